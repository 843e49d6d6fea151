namespace SessionPolicy.Server.Signals.Stores;

/// <summary>
/// Where principals' risk signals and revocations live: in this process (embedded) or in Redis for every
/// replica (shared). Recording either tells every replica that the principal's state changed.
/// </summary>
internal interface ISignalStore
{
    /// <summary>
    /// Records a risk signal for <paramref name="ttl"/> and, with <paramref name="revoke"/>, a revocation as of
    /// now; throws <see cref="ServiceFailure"/> (unavailable) when it could not be recorded.
    /// </summary>
    Task ReportAsync(string principalId, int riskScore, TimeSpan ttl, bool revoke, CancellationToken cancellationToken);
}
