using SessionPolicy.Server.Credentials.Stores;
using SessionPolicy.Server.Decisions.Stores;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Receivers;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Signals.Stores;

namespace SessionPolicy.Server.Redis;

/// <summary>The shared mode: every kind of state in Redis, through one connection and one key layout, and the store's own health name.</summary>
internal static class RedisStateRegistration
{
    public static IServiceCollection AddRedisState(this IServiceCollection services)
    {
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<RedisDurability>().AddStartupTask<RedisDurability>();
        services.AddSingleton<RedisReplicaWait>();
        services.AddSingleton(sp => new RedisKeys(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<RedisOptions>>().Value.KeyPrefix));
        // Before anything reads the shared store: what an earlier version kept is where this one reads it.
        services.AddSingleton<RedisLayoutUpgrade>().AddStartupTask<RedisLayoutUpgrade>();
        services.AddSingleton<RedisSessionStore>().AddStartupTask<RedisSessionStore>();
        services.AddSingleton<ISessionStore>(sp => sp.GetRequiredService<RedisSessionStore>());
        services.AddSingleton<ISignalStore, RedisSignalStore>();
        services.AddSingleton<RedisDecisionStore>().AddStartupTask<RedisDecisionStore>();
        services.AddSingleton<IDecisionStore>(sp => sp.GetRequiredService<RedisDecisionStore>());
        services.AddSingleton<InMemoryRoleMaximumStore>();
        services.AddSingleton<IRoleMaximumStore, RedisRoleMaximumStore>();
        services.AddSingleton<IReceiverCursors, RedisReceiverCursors>();
        services.AddSingleton<IReceiverRegistry, RedisReceiverRegistry>();
        services.AddSingleton<Revocation.IRevocationLedger, RedisRevocationLedger>();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>(HealthNames.Redis, tags: [HealthNames.Redis]);
        return services;
    }
}
