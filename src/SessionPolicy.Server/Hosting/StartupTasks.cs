namespace SessionPolicy.Server.Hosting;

/// <summary>
/// Runs every <see cref="IStartupTask"/> in the order they were registered, before the host starts its
/// background services and the server (<see cref="SessionPolicyHost.StartSessionPolicy"/>); a task that throws stops start-up.
/// </summary>
internal sealed class StartupTasks(IEnumerable<IStartupTask> tasks)
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var task in tasks) await task.StartAsync(cancellationToken);
    }
}

/// <summary>Registration of start-up work.</summary>
internal static class StartupTaskRegistration
{
    /// <summary>Runs the singleton <typeparamref name="T"/>'s start-up work, after what was registered before it.</summary>
    public static IServiceCollection AddStartupTask<T>(this IServiceCollection services) where T : class, IStartupTask
    {
        services.AddSingleton<IStartupTask>(sp => sp.GetRequiredService<T>());
        return services;
    }
}
