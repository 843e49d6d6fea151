using Microsoft.Extensions.Options;
using SessionPolicy.Server.Audit;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Signals.Stores;

namespace SessionPolicy.Server.Signals;

/// <summary>
/// Records risk signals and revocations in the configured store (the call fails rather than claim a signal
/// it could not record); cached decisions for the principal are dropped at once here and, through the
/// shared store, on every other replica. The principal's running sessions are then decided again.
/// </summary>
internal sealed class SignalService(PrincipalGenerations generations, ISignalStore store, SessionLifecycle lifecycle, AuditTrail audit, IOptions<SignalOptions> options)
{
    /// <summary>How long a signal holds when the reporter does not say.</summary>
    public TimeSpan DefaultTtl { get; } = options.Value.DefaultTtl;

    /// <summary>Records the signal, audits it, and applies it to the principal's sessions; without a source, the caller reports it.</summary>
    public async Task<EndResult> ReportAsync(SignalReport report, string? caller, CancellationToken cancellationToken)
    {
        await store.ReportAsync(report.PrincipalId, report.RiskScore, report.Ttl, report.DisablePrincipal, cancellationToken);
        generations.Bump(report.PrincipalId);
        var actor = report.Source.Length > 0 ? report.Source : caller ?? "signal";
        var detail = report.Detail.Length > 0 ? report.Detail : $"risk score {report.RiskScore}";
        audit.Write(new AuditRecord
        {
            Type = "signal.reported", Time = audit.Now, Actor = actor, PrincipalId = report.PrincipalId,
            Reason = report.DisablePrincipal ? "principal disabled" : $"risk score {report.RiskScore} for {report.Ttl}", Detail = detail,
        });
        var result = await lifecycle.ApplySignalAsync(report.PrincipalId, report.DisablePrincipal, actor, detail, cancellationToken);
        // Last, once the signal had every effect: whether the store's replicas hold it and the endings (where configured;
        // also when nothing ended now, so a retry confirms what an unconfirmed first report ended).
        await store.ConfirmAsync(report.PrincipalId, cancellationToken);
        await lifecycle.ConfirmEndingsAsync(new EndTarget(null, report.PrincipalId, null), cancellationToken);
        return result;
    }
}
