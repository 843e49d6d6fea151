using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Receivers;
using SessionPolicy.Server.Redis;

namespace SessionPolicy.Server.Ssm;

/// <summary>
/// Work one replica does at a time, in rounds: under a lease (in shared mode; always held with one replica), a round
/// every interval of the injected clock, and one at once when a new policy is loaded. A shared store that fails skips
/// the round; the lease is released on shutdown.
/// </summary>
internal abstract class LeasedRounds(IReceiverCursors leases, PolicyStore policies, TimeProvider time, ILogger logger, string leaseName, TimeSpan lease, TimeSpan interval)
    : BackgroundService
{
    private readonly string _holder = Guid.NewGuid().ToString("N");
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>The policies served, whose changes start a round.</summary>
    protected PolicyStore Policies => policies;

    /// <summary>The clock the rounds keep.</summary>
    protected TimeProvider Time => time;

    /// <summary>Raised after every round, for tests and the status.</summary>
    public event Action? Checked;

    /// <summary>One round of the work.</summary>
    protected abstract Task RoundAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        policies.Changed += _ => _wake.Release();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await leases.HoldAsync(leaseName, _holder, lease)) await RoundAsync(stoppingToken);
            }
            catch (SharedStoreUnavailableException e)
            {
                SsmLog.StoreFailed(logger, e.Cause);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            Checked?.Invoke();
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            try
            {
                await Task.WhenAny(_wake.WaitAsync(timer.Token), Task.Delay(interval, time, timer.Token));
            }
            finally
            {
                await timer.CancelAsync();
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await leases.ReleaseAsync(leaseName, _holder);
        }
        catch (SharedStoreUnavailableException e)
        {
            SsmLog.StoreFailed(logger, e.Cause);
        }
    }
}
