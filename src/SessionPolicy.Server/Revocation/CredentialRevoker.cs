using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Audit;
using SessionPolicy.Server.Receivers;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;

namespace SessionPolicy.Server.Revocation;

/// <summary>
/// Ends the AWS side of every ended session: reads the logout log from its own cursor (so every ending, on any path and
/// any replica, is seen once), adds a deny for each ended session's still-valid credentials to its role's policy in the
/// ledger, then writes each changed role's policy to IAM, batched per role. The ledger is the durable record: the cursor
/// moves once the ledger holds the change, and a role IAM did not accept is tried again (backoff per role) until it is,
/// also after a restart. Statements go once every credential they deny has expired. One replica at a time does this
/// (a lease, like a receiver's). The ending itself never waits for any of it.
/// </summary>
internal sealed partial class CredentialRevoker(
    IOptions<RevocationOptions> options, ISessionStore store, IReceiverCursors cursors, IRevocationLedger ledger, IIamRolePolicies iam,
    RevocationMetrics metrics, AuditTrail audit, TimeProvider time, ILogger<CredentialRevoker> logger) : BackgroundService
{
    /// <summary>The revoker's place in the log, kept with receivers' cursors under a name no receiver can have.</summary>
    public const string CursorName = ":aws-iam";

    private const int Page = 500;
    private readonly RevocationOptions _options = options.Value;
    private TimeSpan Lease => _options.Lease;
    private readonly string _holder = Guid.NewGuid().ToString("N");
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (int Failures, long NextAttempt)> _retries = new(StringComparer.Ordinal);
    private string? _cursor;
    private bool _held;
    private long _renewedAt;

    /// <summary>Before the service serves: without a cursor yet, the revoker starts at the log's end (every ending from now on).</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await cursors.GetAsync(CursorName) is null && await cursors.HoldAsync(CursorName, _holder, Lease))
            {
                await cursors.SetAsync(CursorName, _holder, await store.LatestCursorAsync(cancellationToken) ?? "");
            }
        }
        catch (SharedStoreUnavailableException e)
        {
            RevocationLog.StoreFailed(logger, e.Cause);
        }
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await cursors.ReleaseAsync(CursorName, _holder);
        }
        catch (SharedStoreUnavailableException e)
        {
            RevocationLog.StoreFailed(logger, e.Cause);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var appended = new Wakeup();
        void OnAppended() => appended.Signal();
        store.Appended += OnAppended;
        var faults = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (!await RenewAsync())
                    {
                        await Task.Delay(Lease / 3, stoppingToken);
                        continue;
                    }
                    var more = await ReadAsync(stoppingToken);
                    await WriteAsync(stoppingToken);
                    faults = 0;
                    if (!more) await appended.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
                }
                catch (SharedStoreUnavailableException e)
                {
                    RevocationLog.StoreFailed(logger, e.Cause);
                    _held = false;
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 200 << Math.Min(faults++, 5))), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            store.Appended -= OnAppended;
        }
    }

    /// <summary>Renews the lease when a third of it has passed; false while another replica holds it.</summary>
    private async Task<bool> RenewAsync()
    {
        if (_held && Stopwatch.GetElapsedTime(_renewedAt) < Lease / 3) return true;
        var at = Stopwatch.GetTimestamp();
        if (!await cursors.HoldAsync(CursorName, _holder, Lease))
        {
            (_held, _cursor) = (false, null);
            return false;
        }
        if (!_held) _cursor = null;
        (_held, _renewedAt) = (true, at);
        return true;
    }

    /// <summary>Reads one page of endings into the ledger and moves the cursor past it; true when more may follow.</summary>
    private async Task<bool> ReadAsync(CancellationToken stopping)
    {
        _cursor ??= await cursors.GetAsync(CursorName) ?? await store.LatestCursorAsync(stopping) ?? "";
        LogPage page;
        try
        {
            page = await store.ReadAsync(_cursor.Length == 0 ? null : _cursor, Page, stopping);
        }
        catch (CursorOutOfRangeException e)
        {
            RevocationLog.MissedEvents(logger, e.Message);
            audit.Write(new AuditRecord { Type = "credentials.revocation_missed", Time = time.GetUtcNow(), Detail = "endings left the log before they were read; their credentials work until they expire" });
            await MoveAsync("");
            return true;
        }
        if (page.Events.Count == 0) return false;
        var changed = new Dictionary<string, RevocationEntry>(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        foreach (var e in page.Events)
        {
            foreach (var role in e.Sessions.Where(s => s.CredentialsExpireAt > now && RoleName(s.RoleArn) is not null).GroupBy(s => s.RoleArn, StringComparer.Ordinal))
            {
                var entry = changed.GetValueOrDefault(role.Key) ?? await ledger.GetAsync(role.Key)
                    ?? new RevocationEntry { RoleArn = role.Key, Document = "", State = RevocationState.Pending };
                changed[role.Key] = Deny(entry, e, [.. role], now);
            }
        }
        foreach (var entry in changed.Values) await ledger.SetAsync(entry);
        await MoveAsync(page.Events[^1].Cursor);
        return page.More;
    }

    private async Task MoveAsync(string cursor)
    {
        if (!await cursors.SetAsync(CursorName, _holder, cursor)) (_held, _cursor) = (false, null);
        else _cursor = cursor;
    }

    /// <summary>
    /// What one ending adds to a role's policy: the role-wide deny for a logout of the role; for a logout of a principal,
    /// a SourceIdentity deny for its sessions whose SourceIdentity is the principal; a deny by session id for the others.
    /// Past the size limit, the role-wide deny of everything issued so far replaces them all.
    /// </summary>
    private RevocationEntry Deny(RevocationEntry entry, LogoutRecord ending, IReadOnlyList<EndedSession> sessions, DateTimeOffset now)
    {
        var policy = entry.Policy();
        policy.Prune(now);
        if (ending.RoleArn == sessions[0].RoleArn)
        {
            policy.DenyRole(ending.OccurredAt);
        }
        else
        {
            var bySource = ending.ByPrincipal ? sessions.Where(s => s.SourceIdentity.Length > 0 && s.SourceIdentity == s.PrincipalId).ToList() : [];
            if (bySource.Count > 0) policy.DenyPrincipal(ending.PrincipalId, ending.OccurredAt, bySource.Max(s => s.CredentialsExpireAt!.Value));
            policy.DenySessions(sessions.Except(bySource).Select(s => (s.Id, s.CredentialsExpireAt!.Value)));
        }
        var fellBack = entry.FellBack;
        if (DenyPolicy.Size(policy.Render()) > _options.MaxPolicyCharacters)
        {
            policy.DenyRole(now);
            fellBack = true;
            RevocationLog.FellBack(logger, entry.RoleArn, _options.MaxPolicyCharacters, now);
        }
        var waiting = entry.Waiting.Append(new WaitingEnding(ending.OccurredAt, [.. sessions.Select(s => s.Id)]));
        return entry with
        {
            Document = policy.Render() ?? "",
            State = RevocationState.Pending,
            FellBack = fellBack,
            Waiting = [.. waiting.Skip(Math.Max(0, entry.Waiting.Count + 1 - RevocationEntry.MaxWaiting))],
        };
    }

    /// <summary>Writes every role whose policy changed, or has a statement due to go, and whose retry time has come.</summary>
    private async Task WriteAsync(CancellationToken stopping)
    {
        var now = time.GetUtcNow();
        var due = (await ledger.ListAsync()).Where(e => e.State == RevocationState.Pending || e.Policy().NextRemoval <= now)
            .Where(e => !_retries.TryGetValue(e.RoleArn, out var r) || Stopwatch.GetTimestamp() >= r.NextAttempt).ToList();
        // Roles are independent: one IAM call each, a few at a time.
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stopping }, async (entry, ct) => await WriteAsync(entry, ct));
        var waiting = (await ledger.ListAsync()).Count(e => e.State == RevocationState.Pending);
        metrics.Waiting(waiting);
    }

    private async Task WriteAsync(RevocationEntry entry, CancellationToken stopping)
    {
        var role = RoleName(entry.RoleArn)!;
        var now = time.GetUtcNow();
        try
        {
            var policy = entry.Policy();
            if (!entry.Based && !_options.DryRun)
            {
                // The first write to a role keeps what IAM held under the name (an earlier life of the ledger, or a hand edit).
                try
                {
                    policy.Merge(DenyPolicy.Parse(await iam.GetRolePolicyAsync(role, _options.PolicyName, stopping)));
                }
                catch (FormatException)
                {
                    // Not a policy the service can read: replaced, the service owns the name.
                }
            }
            policy.Prune(now);
            var fellBack = entry.FellBack;
            var document = policy.Render();
            if (DenyPolicy.Size(document) > _options.MaxPolicyCharacters)
            {
                policy.DenyRole(now);
                document = policy.Render();
                fellBack = true;
                RevocationLog.FellBack(logger, entry.RoleArn, _options.MaxPolicyCharacters, now);
            }
            string outcome;
            if (_options.DryRun)
            {
                RevocationLog.DryRun(logger, entry.RoleArn, _options.PolicyName, document ?? "(none: the policy would be deleted)");
                outcome = "dry_run";
            }
            else if (document is null)
            {
                await iam.DeleteRolePolicyAsync(role, _options.PolicyName, stopping);
                RevocationLog.Deleted(logger, entry.RoleArn, _options.PolicyName);
                outcome = "removed";
            }
            else
            {
                try
                {
                    await iam.PutRolePolicyAsync(role, _options.PolicyName, document, stopping);
                }
                catch (IamFailure e) when (e.Kind == IamFailureKind.PolicyFull && !fellBack)
                {
                    // The role's other inline policies leave less room than configured: the role-wide deny is small.
                    policy.DenyRole(now);
                    document = policy.Render()!;
                    fellBack = true;
                    RevocationLog.FellBack(logger, entry.RoleArn, _options.MaxPolicyCharacters, now);
                    await iam.PutRolePolicyAsync(role, _options.PolicyName, document, stopping);
                }
                outcome = fellBack && !entry.FellBack ? "fallback" : "written";
                RevocationLog.Written(logger, entry.RoleArn, _options.PolicyName, document.Length, policy.Entries.Count(x => x.Kind == "session"),
                    policy.Entries.Count(x => x.Kind == "principal"), policy.Entries.Any(x => x.Kind == "role"), policy.NextRemoval?.ToString("O") ?? "none");
            }
            _retries.TryRemove(entry.RoleArn, out _);
            var accepted = time.GetUtcNow();
            if (outcome != "dry_run") foreach (var w in entry.Waiting) metrics.Accepted(accepted - w.At);
            metrics.Wrote(outcome);
            if (entry.Waiting.Count > 0 || outcome == "removed") Audit(entry, policy, outcome, fellBack, accepted);
            if (document is null) await ledger.RemoveAsync(entry.RoleArn);
            else await ledger.SetAsync(entry with
            {
                Document = document, Based = true, Waiting = [], FellBack = fellBack, WrittenAt = accepted, LastError = "",
                State = _options.DryRun ? RevocationState.DryRun : RevocationState.Written,
            });
        }
        catch (IamFailure e) when (e.Kind == IamFailureKind.NoSuchRole)
        {
            RevocationLog.NoSuchRole(logger, entry.RoleArn);
            metrics.Wrote("failed");
            audit.Write(new AuditRecord { Type = "credentials.revocation_failed", Time = now, RoleArn = entry.RoleArn, Outcome = "no_such_role", Detail = "the role does not exist in IAM" });
            _retries.TryRemove(entry.RoleArn, out _);
            await ledger.RemoveAsync(entry.RoleArn);
        }
        catch (IamFailure e)
        {
            var failures = _retries.TryGetValue(entry.RoleArn, out var r) ? r.Failures + 1 : 1;
            var delay = TimeSpan.FromSeconds(Math.Min(_options.MaxRetryDelay.TotalSeconds, Math.Pow(2, Math.Min(failures - 1, 20))));
            _retries[entry.RoleArn] = (failures, Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency));
            RevocationLog.WriteFailed(logger, entry.RoleArn, e.Kind.ToString(), e.Code, delay);
            metrics.Wrote("failing");
            // The first failure of a run is audited; the retries that follow are in the log and the metric.
            if (failures == 1)
            {
                audit.Write(new AuditRecord { Type = "credentials.revocation_failed", Time = now, RoleArn = entry.RoleArn, Outcome = "retrying", Detail = $"{e.Kind}: {e.Message}" });
            }
            if (entry.LastError != e.Message) await ledger.SetAsync(entry with { LastError = e.Message });
        }
    }

    private void Audit(RevocationEntry entry, DenyPolicy policy, string outcome, bool fellBack, DateTimeOffset at) => audit.Write(new AuditRecord
    {
        Type = "credentials.revoked",
        Time = at,
        RoleArn = entry.RoleArn,
        SessionIds = [.. entry.Waiting.SelectMany(w => w.Sessions).Distinct(StringComparer.Ordinal)],
        Outcome = outcome,
        Detail = outcome switch
        {
            "removed" => $"policy {_options.PolicyName} deleted: every credential it denied has expired",
            "dry_run" => $"dry run: policy {_options.PolicyName} not written",
            _ => $"policy {_options.PolicyName} written: {policy.Entries.Count(x => x.Kind == "session")} session(s), {policy.Entries.Count(x => x.Kind == "principal")} principal(s)"
                + (policy.Entries.FirstOrDefault(x => x.Kind == "role") is { } r ? $", every session issued before {r.IssuedBefore:O}" : "")
                + (fellBack ? $" (the policy reached {_options.MaxPolicyCharacters} characters and fell back to the role-wide deny)" : "")
                + $"; first entry goes at {policy.NextRemoval:O}",
        },
    });

    /// <summary>The IAM role name of a role ARN (<c>arn:PARTITION:iam::ACCOUNT:role/PATH/NAME</c>); null for anything else.</summary>
    public static string? RoleName(string roleArn)
    {
        var m = RoleArn().Match(roleArn);
        return m.Success ? m.Groups["name"].Value : null;
    }

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::\d{12}:role/(?:[\x21-\x7e]*/)?(?<name>[\w+=,.@-]{1,64})$")]
    private static partial Regex RoleArn();
}
