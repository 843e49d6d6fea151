using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SessionPolicy.Server.Revocation;

/// <summary>
/// The inline policy the service owns on a role: deny statements for ended sessions, each named (its <c>Sid</c>) with
/// the Unix time after which it can go, because every credential it denies has expired by then.
/// <list type="bullet">
/// <item><c>Sessions{T}</c>: <c>aws:PrincipalTag/sessionpolicy:session-id</c> is one of the ended sessions whose
/// credentials expire by T (sessions are grouped in 5-minute steps, so a busy role needs few statements).</item>
/// <item><c>Principal{T}x{H}</c>: a principal's sessions through <c>aws:SourceIdentity</c>, issued before a time
/// (<c>aws:TokenIssueTime</c>), so a fresh sign-in works again. H is a hash of the principal, one statement each.</item>
/// <item><c>Role{T}</c>: every session of the role issued before a time, the deny AWS documents for revoking a role's
/// sessions; it covers every other statement written before it.</item>
/// </list>
/// Statements the service did not write (a hand edit) are kept as they are. Pure: the clock is passed in.
/// </summary>
internal sealed partial class DenyPolicy
{
    public const string SessionTagKey = "aws:PrincipalTag/" + Mapping.IssueSessionReader.SessionIdTag;

    /// <summary>The longest an STS credential lives (12 h): a role-wide or principal deny can go this long after its bound.</summary>
    public static readonly TimeSpan LongestCredentials = TimeSpan.FromHours(12);

    private const long Step = 300;

    private readonly SortedDictionary<long, SortedSet<string>> _sessions = [];
    private readonly SortedDictionary<string, (DateTimeOffset Before, long Until)> _principals = new(StringComparer.Ordinal);
    private (DateTimeOffset Before, long Until)? _role;
    private readonly List<JsonNode> _foreign = [];

    /// <summary>Nothing denied.</summary>
    public bool IsEmpty => _sessions.Count == 0 && _principals.Count == 0 && _role is null && _foreign.Count == 0;

    /// <summary>When the next statement can go; null when none of the service's is left.</summary>
    public DateTimeOffset? NextRemoval => Entries.Select(e => (DateTimeOffset?)e.RemovedAt).Min();

    /// <summary>What is denied: kind (session, principal, role), its subject, the issue-time bound where there is one, and when it goes.</summary>
    public IEnumerable<DenyEntry> Entries =>
        (_role is { } r ? [new DenyEntry("role", "", r.Before, FromUnix(r.Until))] : Array.Empty<DenyEntry>())
        .Concat(_principals.Select(p => new DenyEntry("principal", p.Key, p.Value.Before, FromUnix(p.Value.Until))))
        .Concat(_sessions.SelectMany(s => s.Value.Select(id => new DenyEntry("session", id, null, FromUnix(s.Key)))));

    /// <summary>Statements not written by the service, kept as they were.</summary>
    public int ForeignCount => _foreign.Count;

    /// <summary>Denies the sessions' credentials until they expire; false when each was denied already.</summary>
    public bool DenySessions(IEnumerable<(string Id, DateTimeOffset ExpiresAt)> sessions)
    {
        var changed = false;
        foreach (var (id, expires) in sessions)
        {
            if (_sessions.Values.Any(s => s.Contains(id))) continue;
            var until = (Ceiling(expires) + Step - 1) / Step * Step;
            if (!_sessions.TryGetValue(until, out var ids)) _sessions[until] = ids = new SortedSet<string>(StringComparer.Ordinal);
            changed |= ids.Add(id);
        }
        return changed;
    }

    /// <summary>Denies what <paramref name="principal"/> was issued (as its SourceIdentity) before <paramref name="before"/>, until <paramref name="until"/>.</summary>
    public void DenyPrincipal(string principal, DateTimeOffset before, DateTimeOffset until)
    {
        before = Second(before);
        var u = Ceiling(until);
        _principals[principal] = _principals.TryGetValue(principal, out var p) ? (Max(p.Before, before), Math.Max(p.Until, u)) : (before, u);
    }

    /// <summary>Denies every session of the role issued before <paramref name="before"/>; everything the service denied before is covered and goes.</summary>
    public void DenyRole(DateTimeOffset before)
    {
        before = Second(before);
        var until = Ceiling(before + LongestCredentials);
        _role = _role is { } r ? (Max(r.Before, before), Math.Max(r.Until, until)) : (before, until);
        _sessions.Clear();
        _principals.Clear();
    }

    /// <summary>Adds what <paramref name="other"/> denies (what IAM held before the service's first write).</summary>
    public void Merge(DenyPolicy other)
    {
        foreach (var (until, ids) in other._sessions) DenySessions(ids.Select(id => (id, FromUnix(until))));
        foreach (var (principal, (before, until)) in other._principals) DenyPrincipal(principal, before, FromUnix(until));
        if (other._role is { } r) _role = _role is { } mine ? (Max(mine.Before, r.Before), Math.Max(mine.Until, r.Until)) : r;
        foreach (var f in other._foreign.Where(f => !_foreign.Any(mine => JsonNode.DeepEquals(mine, f)))) _foreign.Add(f.DeepClone());
    }

    /// <summary>Drops the statements whose credentials have all expired at <paramref name="now"/>; true when any went.</summary>
    public bool Prune(DateTimeOffset now)
    {
        var t = now.ToUnixTimeSeconds();
        var changed = false;
        foreach (var until in _sessions.Keys.Where(u => u <= t).ToList()) changed |= _sessions.Remove(until);
        foreach (var p in _principals.Where(p => p.Value.Until <= t).ToList()) changed |= _principals.Remove(p.Key);
        if (_role is { } r && r.Until <= t)
        {
            _role = null;
            changed = true;
        }
        return changed;
    }

    /// <summary>The document as IAM gets it (compact JSON), or null when nothing is denied.</summary>
    public string? Render()
    {
        if (IsEmpty) return null;
        var statements = new JsonArray();
        if (_role is { } r) statements.Add(Statement($"Role{r.Until}", new JsonObject { ["DateLessThan"] = new JsonObject { ["aws:TokenIssueTime"] = Iso(r.Before) } }));
        foreach (var (principal, (before, until)) in _principals)
        {
            statements.Add(Statement($"Principal{until}x{Hash(principal)}", new JsonObject
            {
                ["StringEquals"] = new JsonObject { ["aws:SourceIdentity"] = principal },
                ["DateLessThan"] = new JsonObject { ["aws:TokenIssueTime"] = Iso(before) },
            }));
        }
        foreach (var (until, ids) in _sessions)
        {
            statements.Add(Statement($"Sessions{until}", new JsonObject
            {
                ["StringEquals"] = new JsonObject { [SessionTagKey] = new JsonArray([.. ids.Select(i => (JsonNode)JsonValue.Create(i))]) },
            }));
        }
        foreach (var f in _foreign) statements.Add(f.DeepClone());
        return new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = statements }.ToJsonString();
    }

    /// <summary>The characters IAM counts against its limit: the document without white space outside strings (compact JSON has none).</summary>
    public static int Size(string? document) => document?.Length ?? 0;

    /// <summary>
    /// The policy as a document written earlier (by the service, or edited by hand); null or empty is an empty policy.
    /// A document that is not a policy at all is kept whole as one foreign statement list, never thrown away.
    /// </summary>
    public static DenyPolicy Parse(string? document)
    {
        var policy = new DenyPolicy();
        if (string.IsNullOrWhiteSpace(document)) return policy;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(document, documentOptions: new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            throw new FormatException("the policy is not JSON");
        }
        var statements = root?["Statement"] switch
        {
            JsonArray a => a.ToList(),
            JsonObject o => [o],
            _ => throw new FormatException("the policy has no Statement"),
        };
        foreach (var s in statements.OfType<JsonNode>())
        {
            if (!policy.TryRead(s)) policy._foreign.Add(s.DeepClone());
        }
        return policy;
    }

    private bool TryRead(JsonNode statement)
    {
        if (statement is not JsonObject o || Text(o["Effect"]) != "Deny" || Text(o["Sid"]) is not { } sid) return false;
        var condition = o["Condition"] as JsonObject;
        var m = SidPattern().Match(sid);
        if (!m.Success || condition is null || !long.TryParse(m.Groups["until"].ValueSpan, CultureInfo.InvariantCulture, out var until)) return false;
        var before = Value(condition, "DateLessThan", "aws:TokenIssueTime") is JsonValue bv && bv.TryGetValue<string>(out var b)
            && DateTimeOffset.TryParse(b, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : (DateTimeOffset?)null;
        switch (m.Groups["kind"].Value)
        {
            case "Role" when before is { } rb:
                _role = (rb, until);
                return true;
            case "Principal" when before is { } pb && Value(condition, "StringEquals", "aws:SourceIdentity") is JsonValue pv && pv.TryGetValue<string>(out var principal):
                _principals[principal] = (pb, until);
                return true;
            case "Sessions" when Value(condition, "StringEquals", SessionTagKey) is JsonArray ids:
                if (ids.Any(i => i is not JsonValue v || !v.TryGetValue<string>(out _))) return false;
                var set = new SortedSet<string>(ids.Select(i => i!.GetValue<string>()), StringComparer.Ordinal);
                if (set.Count == 0) return false;
                if (_sessions.TryGetValue(until, out var known)) known.UnionWith(set);
                else _sessions[until] = set;
                return true;
            default:
                return false;
        }
    }

    private static JsonNode? Value(JsonObject condition, string op, string key) => condition[op] is JsonObject o ? o[key] : null;

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static JsonObject Statement(string sid, JsonObject condition) => new()
    {
        ["Sid"] = sid,
        ["Effect"] = "Deny",
        ["Action"] = "*",
        ["Resource"] = "*",
        ["Condition"] = condition,
    };

    private static string Hash(string principal) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(principal)))[..16];

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The bound rounded up to the second: a credential issued in the same second as the ending is denied too (never one too few).</summary>
    private static DateTimeOffset Second(DateTimeOffset t) => DateTimeOffset.FromUnixTimeSeconds(Ceiling(t));

    private static long Ceiling(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() + 999) / 1000;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset FromUnix(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds);

    [GeneratedRegex(@"^(?<kind>Sessions|Principal|Role)(?<until>\d{1,12})(x[0-9a-f]{16})?$")]
    private static partial Regex SidPattern();
}

/// <summary>One thing denied: its kind (<c>session</c>, <c>principal</c>, <c>role</c>), subject, issue-time bound (principal and role) and when it goes.</summary>
internal sealed record DenyEntry(string Kind, string Subject, DateTimeOffset? IssuedBefore, DateTimeOffset RemovedAt);
