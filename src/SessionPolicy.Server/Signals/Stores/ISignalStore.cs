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

    /// <summary>
    /// Returns once the store's replicas hold what was recorded for <paramref name="principalId"/>, where the store is
    /// configured to wait for them; throws <see cref="ServiceFailure"/> (unavailable) when they do not confirm in time.
    /// </summary>
    Task ConfirmAsync(string principalId, CancellationToken cancellationToken);
}
