using Microsoft.Extensions.Options;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// Ends sessions at their idle or absolute deadline: every <see cref="SessionLifecycleOptions.SweepInterval"/> (on
/// the injected clock) it takes the due ones from the store's deadline index, never scanning all sessions.
/// </summary>
internal sealed class SessionSweeper(SessionLifecycle lifecycle, IOptions<SessionLifecycleOptions> options, TimeProvider time, ILogger<SessionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A PeriodicTimer remembers a tick that came while a sweep ran, so no tick of the clock is lost.
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(stoppingToken);
                await lifecycle.SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.SweepFailed(logger, e);
            }
        }
    }
}
