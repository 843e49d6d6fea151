using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>
/// The key layout of the shared store, written once: every key and channel the service uses, under the
/// configured prefix. C# builds keys only here, and every Lua script gets its keys from here through
/// <c>KEYS[]</c>, never by building a name itself.
/// </summary>
/// <remarks>The table of keys, their types and what they hold is in docs/shared-mode.md.</remarks>
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
