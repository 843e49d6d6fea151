using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// Applies each new policy to the running sessions (cut to the new limits, ended when beyond them), one
/// policy at a time, in the background so a reload never waits for it.
/// </summary>
internal sealed class PolicyEnforcer : IStartupTask, IDisposable
{
    private readonly PolicyStore _policies;
    private readonly SessionLifecycle _lifecycle;
    private readonly ILogger<PolicyEnforcer> _logger;
    private readonly SemaphoreSlim _one = new(1, 1);

    public PolicyEnforcer(PolicyStore policies, SessionLifecycle lifecycle, ILogger<PolicyEnforcer> logger)
    {
        _policies = policies;
        _lifecycle = lifecycle;
        _logger = logger;
    }

    /// <summary>From start on, every policy loaded is applied to the running sessions.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _policies.Changed += OnChanged;
        return Task.CompletedTask;
    }

    /// <summary>Raised with the policy version and the sessions it ended once a policy has been applied.</summary>
    public event Action<string, int>? Applied;

    private void OnChanged(PolicySnapshot snapshot) => _ = ApplyAsync(snapshot.Version);

    private async Task ApplyAsync(string version)
    {
        await _one.WaitAsync();
        try
        {
            var ended = await _lifecycle.ApplyPolicyAsync(version, CancellationToken.None);
            Applied?.Invoke(version, ended);
        }
        catch (Exception e)
        {
            Log.PolicyApplyFailed(_logger, version, e);
        }
        finally
        {
            _one.Release();
        }
    }

    public void Dispose()
    {
        _policies.Changed -= OnChanged;
        _one.Dispose();
    }
}
