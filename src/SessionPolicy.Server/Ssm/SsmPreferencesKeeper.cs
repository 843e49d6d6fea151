using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Microsoft.Extensions.Options;
using SessionPolicy.Core.Ssm;
using SessionPolicy.Server.Audit;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Receivers;
using SessionPolicy.Server.Redis;

namespace SessionPolicy.Server.Ssm;

/// <summary>
/// Keeps each configured region's Session Manager preferences (the <c>SSM-SessionManagerRunShell</c> document) as the
/// policy implies them for the region's environment: creates the document when missing, updates it when the policy's
/// preferences change, and checks it every <see cref="SsmOptions.PreferencesInterval"/>. A document that no longer holds
/// what the service last wrote was changed outside the service: drift, audited (<c>ssm.preferences_drift</c>), counted
/// and logged, and written back when <see cref="SsmOptions.RestoreDrift"/> is set. SSM failing or throttling is
/// reported and tried again at the next check; it never stops the service. In shared mode one replica does this, under
/// a lease.
/// </summary>
internal sealed class SsmPreferencesKeeper(SsmFleet fleet, IOptions<SsmOptions> options, PolicyStore policies, IReceiverCursors leases, AuditTrail audit,
    SsmMetrics metrics, TimeProvider time, ILogger<SsmPreferencesKeeper> logger)
    : LeasedRounds(leases, policies, time, logger, LeaseName, options.Value.Lease, options.Value.PreferencesInterval)
{
    /// <summary>The lease's name among the receivers' (a name no receiver can have).</summary>
    public const string LeaseName = ":aws-ssm";

    private readonly SsmOptions _options = options.Value;
    private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _reported = new(StringComparer.Ordinal);
    protected override async Task RoundAsync(CancellationToken cancellationToken)
    {
        var snapshot = Policies.Current;
        foreach (var target in fleet.Targets)
        {
            await CheckAsync(target, snapshot, cancellationToken);
        }
        metrics.Coverage(fleet.Coverage);
    }

    private async Task CheckAsync(SsmTarget target, PolicySnapshot snapshot, CancellationToken cancellationToken)
    {
        var environment = snapshot.Engine.Policy.Environments.Find(target.Environment) ?? target.Environment;
        var limits = SsmPreferences.Limits(snapshot.Engine, environment);
        var desired = SsmPreferences.Render(limits, _options.Logging.ToLogging());
        var client = fleet.Client(target);
        var now = Time.GetUtcNow();
        try
        {
            var current = await CurrentAsync(client, cancellationToken);
            if (current is not null && SsmPreferences.SameSettings(current, desired))
            {
                _written[target.Name] = desired;
                _reported.Remove(target.Name);
                fleet.Set(new RegionStatus(target, PreferencesState.InSync, limits.IdleMinutes, limits.MaxMinutes, now, ""));
                return;
            }
            var drifted = current is not null && _written.TryGetValue(target.Name, out var last) && SsmPreferences.SameSettings(last, desired);
            // A drift is reported once, not at every check while it lasts; a further change is a new drift.
            if (drifted && !_options.RestoreDrift && _reported.TryGetValue(target.Name, out var seen) && seen == current)
            {
                fleet.Set(new RegionStatus(target, PreferencesState.Drifted, limits.IdleMinutes, limits.MaxMinutes, now, ""));
                return;
            }
            if (drifted)
            {
                _reported[target.Name] = current!;
                var found = SsmPreferences.ReadLimits(current!);
                metrics.Drift(target.Name);
                SsmLog.Drift(logger, target.Name, found?.Idle.ToString() ?? "?", found?.Max.ToString() ?? "?", limits.IdleMinutes, limits.MaxMinutes,
                    _options.RestoreDrift ? "restoring them" : $"not restoring them ({SsmOptions.Section}:RestoreDrift is off)");
                audit.Write(new AuditRecord
                {
                    Type = "ssm.preferences_drift", Time = now, Actor = "ssm", Outcome = _options.RestoreDrift ? "restored" : "reported",
                    PolicyVersion = snapshot.Version,
                    Detail = $"{SsmPreferences.DocumentName} in {target.Name} ({environment}) holds idle {found?.Idle.ToString() ?? "?"} min, maximum {found?.Max.ToString() ?? "?"} min; the policy's are {limits.IdleMinutes} and {limits.MaxMinutes}",
                });
                if (!_options.RestoreDrift)
                {
                    fleet.Set(new RegionStatus(target, PreferencesState.Drifted, limits.IdleMinutes, limits.MaxMinutes, now, ""));
                    return;
                }
            }
            var how = await WriteAsync(client, current is null, desired, cancellationToken);
            how = drifted ? "restored" : how;
            _written[target.Name] = desired;
            metrics.Applied(target.Name, how);
            SsmLog.Applied(logger, target.Name, environment, how, limits.IdleMinutes, limits.MaxMinutes, snapshot.Version);
            audit.Write(new AuditRecord
            {
                Type = "ssm.preferences_applied", Time = now, Actor = "ssm", Outcome = how, PolicyVersion = snapshot.Version,
                MaxSessionSeconds = limits.MaxMinutes * 60, IdleTimeoutSeconds = limits.IdleMinutes * 60,
                Detail = $"{SsmPreferences.DocumentName} in {target.Name} ({environment}): idle {limits.IdleMinutes} min, maximum {limits.MaxMinutes} min from profiles {string.Join(", ", limits.Profiles)}",
            });
            fleet.Set(new RegionStatus(target, PreferencesState.InSync, limits.IdleMinutes, limits.MaxMinutes, now, ""));
        }
        catch (AmazonServiceException e) when (!cancellationToken.IsCancellationRequested)
        {
            Failed(target, limits, now, e.ErrorCode ?? $"HTTP{(int)e.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or OperationCanceledException or AmazonClientException && !cancellationToken.IsCancellationRequested)
        {
            Failed(target, limits, now, "NoAnswer");
        }
    }

    private void Failed(SsmTarget target, SsmLimits limits, DateTimeOffset now, string code)
    {
        // SSM's codes are short identifiers; anything else is not passed on.
        if (code.Length > 64 || !code.All(char.IsAsciiLetterOrDigit)) code = "Unrecognized";
        metrics.Failed(target.Name, code);
        SsmLog.Failed(logger, target.Name, code);
        fleet.Set(new RegionStatus(target, PreferencesState.Failing, limits.IdleMinutes, limits.MaxMinutes, now, $"SSM answered {code}"));
    }

    /// <summary>The document's content now, or null when the region has none.</summary>
    private static async Task<string?> CurrentAsync(IAmazonSimpleSystemsManagement client, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await client.GetDocumentAsync(new GetDocumentRequest { Name = SsmPreferences.DocumentName }, cancellationToken);
            return answer.Content;
        }
        catch (InvalidDocumentException)
        {
            return null;
        }
    }

    /// <summary>Writes the document: created when missing, a new $LATEST version otherwise.</summary>
    private static async Task<string> WriteAsync(IAmazonSimpleSystemsManagement client, bool missing, string content, CancellationToken cancellationToken)
    {
        if (missing)
        {
            await client.CreateDocumentAsync(new CreateDocumentRequest
            {
                Name = SsmPreferences.DocumentName, Content = content, DocumentType = DocumentType.Session, DocumentFormat = DocumentFormat.JSON,
            }, cancellationToken);
            return "created";
        }
        try
        {
            await client.UpdateDocumentAsync(new UpdateDocumentRequest
            {
                Name = SsmPreferences.DocumentName, Content = content, DocumentVersion = "$LATEST", DocumentFormat = DocumentFormat.JSON,
            }, cancellationToken);
        }
        catch (DuplicateDocumentContentException)
        {
            // The same content is already there: nothing to change.
        }
        return "updated";
    }
}
