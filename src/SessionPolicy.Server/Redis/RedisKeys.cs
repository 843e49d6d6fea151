using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>
/// The key layout of the shared store, written once: every key and channel the service uses, under the
/// configured prefix. C# builds keys only here, and every Lua script gets its keys from here through
/// <c>KEYS[]</c>, never by building a name itself.
/// </summary>
/// <remarks>
/// Laid out for a Redis Cluster as for a single Redis: keys one operation reads or writes together share a hash
/// tag (the part in braces, which alone picks the slot). A principal's signal, revocation and decisions share
/// the tag <c>{p:PRINCIPAL}</c>, so the lookup of a decision is one multi-key read on one node and different
/// principals spread over every slot. The session registry and the logout log share the tag <c>{sessions}</c>:
/// ending sessions and appending their event is one atomic script, which a cluster runs only within one slot.
/// Role maximums are single keys. A principal id holding a closing brace only shortens its tag, the same way for
/// each of its keys. The table of keys, their types and what they hold is in docs/shared-mode.md.
/// </remarks>
internal sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    private string Principal(string principalId) => Prefix + "{p:" + principalId + "}:";

    private string Sessions => Prefix + "{sessions}:";

    public RedisKey Signal(string principalId) => Principal(principalId) + "signal";

    public RedisKey Revocation(string principalId) => Principal(principalId) + "revoked";

    /// <summary>A principal's decision by its normalised input (hashed: the input can be long and holds attribute values).</summary>
    public RedisKey Decision(string principalId, string normalizedInput) =>
        Principal(principalId) + "decision:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedInput)));

    /// <summary>Written before waiting for the replicas to hold a principal's signal (<see cref="RedisReplicaWait"/>): on the signal's node.</summary>
    public RedisKey PrincipalWait(string principalId) => Principal(principalId) + "wait";

    public RedisKey RoleMaximum(string roleArn) => Prefix + "rolemax:" + roleArn;

    public RedisKey Session(string id) => Sessions + "session:" + id;

    public RedisKey PrincipalSessions(string principalId) => Sessions + "principal:" + principalId;

    public RedisKey RoleSessions(string roleArn) => Sessions + "role:" + roleArn;

    public RedisKey AllSessions => Sessions + "all";

    public RedisKey Deadlines => Sessions + "deadlines";

    public RedisKey LogoutLog => Sessions + "logouts";

    public RedisKey LogEpoch => Sessions + "logouts:epoch";

    /// <summary>Written before waiting for the replicas to hold an ending (<see cref="RedisReplicaWait"/>): on the log's node.</summary>
    public RedisKey SessionsWait => Sessions + "wait";

    /// <summary>Marks that keys of the earlier layout were carried into this one (<see cref="RedisLayoutUpgrade"/>).</summary>
    public RedisKey Layout => Prefix + "layout";

    /// <summary>
    /// Where a key of the earlier layout (the one before hash tags: <c>signal:PRINCIPAL</c>, <c>session:ID</c>, ...)
    /// belongs in this one; null for a key of this layout, a role maximum (its name did not change) and a stored
    /// decision (a cache, whose key needs the principal, left to expire).
    /// </summary>
    public RedisKey? FromEarlierLayout(string key)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var rest = key[Prefix.Length..];
        static string? After(string rest, string head) => rest.StartsWith(head, StringComparison.Ordinal) && rest.Length > head.Length ? rest[head.Length..] : null;
        return rest switch
        {
            "sessions" => (RedisKey?)AllSessions,
            "deadlines" => Deadlines,
            "logouts" => LogoutLog,
            "logouts:epoch" => LogEpoch,
            _ when After(rest, "signal:") is { } principal => Signal(principal),
            _ when After(rest, "revoked:") is { } principal => Revocation(principal),
            _ when After(rest, "session:") is { } id => Session(id),
            _ when After(rest, "psessions:") is { } principal => PrincipalSessions(principal),
            _ when After(rest, "rsessions:") is { } role => RoleSessions(role),
            _ => null,
        };
    }

    public RedisChannel Invalidations => RedisChannel.Literal(Prefix + "invalidate");

    public RedisChannel LogoutAppended => RedisChannel.Literal(Prefix + "logouts:notify");
}
