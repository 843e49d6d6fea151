using SessionPolicy.Server.Credentials.Stores;
using SessionPolicy.Server.Decisions.Stores;
using SessionPolicy.Server.Receivers;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Signals.Stores;

namespace SessionPolicy.Server.Hosting;

/// <summary>
/// Where state lives, chosen once: every kind of state (sessions and the logout log, principal signals, role
/// maximums, the shared decision cache, receivers' cursors) has an in-memory and a Redis store, and exactly one set is registered.
/// </summary>
internal static class StateRegistration
{
    /// <summary>Redis when <c>SessionPolicy:Redis:Configuration</c> is set, otherwise the embedded in-memory stores.</summary>
    public static IServiceCollection AddSharedState(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() is { IsConfigured: true }
            ? services.AddRedisState()
            : services.AddEmbeddedState();
    }

    /// <summary>One node, nothing else installed: every kind of state in this process.</summary>
    public static IServiceCollection AddEmbeddedState(this IServiceCollection services)
    {
        services.AddSingleton<ISessionStore, InMemorySessionStore>();
        services.AddSingleton<InMemorySignalStore>();
        services.AddSingleton<ISignalStore>(sp => sp.GetRequiredService<InMemorySignalStore>());
        services.AddSingleton<IDecisionStore, InMemoryDecisionStore>();
        services.AddSingleton<IRoleMaximumStore, InMemoryRoleMaximumStore>();
        services.AddSingleton<IReceiverCursors, InMemoryReceiverCursors>();
        services.AddSingleton<IReceiverRegistry, InMemoryReceiverRegistry>();
        services.AddSingleton<Revocation.IRevocationLedger, Revocation.InMemoryRevocationLedger>();
        return services;
    }
}
