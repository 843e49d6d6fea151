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
/// | key | type | holds |
/// |---|---|---|
/// | <c>signal:{principal}</c> | string | the principal's risk signal, for its time to live |
/// | <c>revoked:{principal}</c> | string | the principal's revocation ("re-authenticate if signed in before") |
/// | <c>decision:{sha256}</c> | string | a decision under its normalised input and the state stamp it was made under |
/// | <c>rolemax:{role ARN}</c> | string | a role's MaxSessionDuration learned from STS |
/// | <c>session:{id}</c> | hash | one session |
/// | <c>psessions:{principal}</c>, <c>rsessions:{role ARN}</c> | set | session ids by principal, by role |
/// | <c>sessions</c> | sorted set | every session id (score 0, read by range) |
/// | <c>deadlines</c> | sorted set | active session ids by deadline (Unix ms) |
/// | <c>logouts</c> | stream | the logout log; entry ids are cursors |
/// | <c>logouts:epoch</c> | string | the log's incarnation, part of every cursor |
/// | channel <c>invalidate</c> | pub/sub | a principal whose state changed |
/// | channel <c>logouts:notify</c> | pub/sub | an event was appended |
/// </remarks>
internal sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    public RedisKey Signal(string principalId) => Prefix + "signal:" + principalId;

    public RedisKey Revocation(string principalId) => Prefix + "revoked:" + principalId;

    /// <summary>A decision by its normalised input (hashed: the input can be long and holds attribute values).</summary>
    public RedisKey Decision(string normalizedInput) =>
        Prefix + "decision:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedInput)));

    public RedisKey RoleMaximum(string roleArn) => Prefix + "rolemax:" + roleArn;

    public RedisKey Session(string id) => Prefix + "session:" + id;

    public RedisKey PrincipalSessions(string principalId) => Prefix + "psessions:" + principalId;

    public RedisKey RoleSessions(string roleArn) => Prefix + "rsessions:" + roleArn;

    public RedisKey AllSessions => Prefix + "sessions";

    public RedisKey Deadlines => Prefix + "deadlines";

    public RedisKey LogoutLog => Prefix + "logouts";

    public RedisKey LogEpoch => Prefix + "logouts:epoch";

    public RedisChannel Invalidations => RedisChannel.Literal(Prefix + "invalidate");

    public RedisChannel LogoutAppended => RedisChannel.Literal(Prefix + "logouts:notify");
}
