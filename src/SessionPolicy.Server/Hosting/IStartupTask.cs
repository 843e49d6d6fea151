namespace SessionPolicy.Server.Hosting;

/// <summary>
/// Work that must happen once before the service serves (load the policy, check key files, listen to the
/// shared store's channels, hook a feature to policy changes). Registered explicitly with
/// <see cref="StartupTaskRegistration.AddStartupTask{T}"/> and run in registration order before the server listens;
/// nothing of the kind happens in a constructor.
/// </summary>
internal interface IStartupTask
{
    Task StartAsync(CancellationToken cancellationToken);
}
