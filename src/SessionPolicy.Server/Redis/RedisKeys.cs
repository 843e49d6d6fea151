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
/// principals spread over every slot. Sessions are split over <see cref="SessionPartitions"/> partitions by their
/// id (<see cref="PartitionOf"/>); a partition holds its sessions and their indexes (by principal, role, id and
/// deadline) under one tag, so registering, touching and ending its sessions is one atomic script. The tags are
/// chosen so partition <c>k</c> sits in the <c>k</c>-th 256-slot range: however a cluster splits the slots into
/// contiguous ranges, its masters get partitions in proportion. The logout log is one stream under <c>{log}</c>.
/// Role maximums are single keys. A principal id holding a closing brace only shortens its tag, the same way for
/// each of its keys. The table of keys, their types and what they hold is in docs/shared-mode.md.
/// </remarks>
internal sealed class RedisKeys(string prefix)
{
    /// <summary>How many partitions the sessions are split into; a power of two dividing the 16,384 slots.</summary>
    public const int SessionPartitions = 64;

    private const int SlotsPerPartition = 16384 / SessionPartitions;

    /// <summary>The hash tag of each partition, inside its braces: <c>s:K.N</c>, with the first N that puts it in its slot range.</summary>
    internal static readonly string[] PartitionTags = Enumerable.Range(0, SessionPartitions).Select(TagOf).ToArray();

    public string Prefix { get; } = prefix;

    private string Principal(string principalId) => Prefix + "{p:" + principalId + "}:";

    private string Partition(int partition) => Prefix + "{" + PartitionTags[partition] + "}:";

    private string Log => Prefix + "{log}:";

    public RedisKey Signal(string principalId) => Principal(principalId) + "signal";

    public RedisKey Revocation(string principalId) => Principal(principalId) + "revoked";

    /// <summary>A principal's decision by its normalised input (hashed: the input can be long and holds attribute values).</summary>
    public RedisKey Decision(string principalId, string normalizedInput) =>
        Principal(principalId) + "decision:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedInput)));

    /// <summary>Written before waiting for the replicas to hold a principal's signal (<see cref="RedisReplicaWait"/>): on the signal's node.</summary>
    public RedisKey PrincipalWait(string principalId) => Principal(principalId) + "wait";

    public RedisKey RoleMaximum(string roleArn) => Prefix + "rolemax:" + roleArn;

    /// <summary>The partition of a session id: FNV-1a of its UTF-8 bytes (stable across processes and versions).</summary>
    public static int PartitionOf(string sessionId) => (int)(Fnv1a(sessionId) % SessionPartitions);

    /// <summary>The 32-bit FNV-1a hash of a string's UTF-8 bytes.</summary>
    internal static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(text) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes) hash = (hash ^ b) * 16777619u;
        return hash;
    }

    public RedisKey Session(string id) => Partition(PartitionOf(id)) + "session:" + id;

    public RedisKey PrincipalSessions(int partition, string principalId) => Partition(partition) + "principal:" + principalId;

    public RedisKey RoleSessions(int partition, string roleArn) => Partition(partition) + "role:" + roleArn;

    /// <summary>A partition's sessions by id (a sorted set of equal scores, read by range), ended ones included.</summary>
    public RedisKey AllSessions(int partition) => Partition(partition) + "all";

    /// <summary>A partition's running sessions by deadline.</summary>
    public RedisKey Deadlines(int partition) => Partition(partition) + "deadlines";

    /// <summary>A partition's endings whose event is not yet known to be in the log, by event id.</summary>
    public RedisKey Outbox(int partition) => Partition(partition) + "outbox";

    /// <summary>Written before waiting for the replicas to hold a partition's endings (<see cref="RedisReplicaWait"/>): on its node.</summary>
    public RedisKey PartitionWait(int partition) => Partition(partition) + "wait";

    public RedisKey LogoutLog => Log + "logouts";

    public RedisKey LogEpoch => Log + "epoch";

    /// <summary>Marks an event as appended (its stream id), so an ending carried to the log twice is logged once.</summary>
    public RedisKey Appended(string eventId) => Log + "appended:" + eventId;

    /// <summary>Written before waiting for the replicas to hold the log (<see cref="RedisReplicaWait"/>): on the log's node.</summary>
    public RedisKey LogWait => Log + "wait";

    /// <summary>Where a receiver stands in the logout log (a cursor).</summary>
    public RedisKey ReceiverCursor(string receiver) => Prefix + "{r:" + receiver + "}:cursor";

    /// <summary>Which replica delivers to a receiver now (its id, for the lease's life).</summary>
    public RedisKey ReceiverLease(string receiver) => Prefix + "{r:" + receiver + "}:lease";

    /// <summary>What came of a receiver's deliveries (a hash: counts, last success, last error).</summary>
    public RedisKey ReceiverCounts(string receiver) => Prefix + "{r:" + receiver + "}:counts";

    /// <summary>Where a poll receiver's acknowledged SETs are kept until its cursor passes their events (a set of jti).</summary>
    public RedisKey ReceiverAcked(string receiver) => Prefix + "{r:" + receiver + "}:acked";

    /// <summary>A receiver's SETs that are not from the log (stream verifications), to deliver before the log's (a hash: jti to SET).</summary>
    public RedisKey ReceiverControl(string receiver) => Prefix + "{r:" + receiver + "}:control";

    /// <summary>The receivers registered at run time (a hash: name to its JSON, authorization header sealed).</summary>
    public RedisKey Receivers => Prefix + "receivers";

    /// <summary>The revocations of issued AWS credentials: one hash, role ARN to its entry (JSON).</summary>
    public RedisKey CredentialRevocations => Prefix + "revocations";

    /// <summary>The replicas sweeping deadlines, by when their claim lapses (Redis time, ms).</summary>
    public RedisKey Sweepers => Prefix + "sweepers";

    /// <summary>Marks which layout the keys are in (<see cref="RedisLayoutUpgrade"/>).</summary>
    public RedisKey Layout => Prefix + "layout";

    /// <summary>
    /// What a key of an earlier layout becomes in this one: layout 1 had no hash tags (<c>signal:PRINCIPAL</c>,
    /// <c>session:ID</c>, ...), layout 2 kept every session, its indexes and the log under <c>{sessions}</c>, each
    /// session a hash. Null for a key of this layout, a role maximum (its name did not change) and a stored
    /// decision (a cache, whose key needs the principal, left to expire).
    /// </summary>
    public EarlierKey? FromEarlierLayout(string key)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var rest = key[Prefix.Length..];
        static string? After(string rest, string head) => rest.StartsWith(head, StringComparison.Ordinal) && rest.Length > head.Length ? rest[head.Length..] : null;
        return rest switch
        {
            "logouts" or "{sessions}:logouts" => EarlierKey.Move(LogoutLog),
            "logouts:epoch" or "{sessions}:logouts:epoch" => EarlierKey.Move(LogEpoch),
            "sessions" or "deadlines" or "{sessions}:all" or "{sessions}:deadlines" or "{sessions}:wait" => EarlierKey.Index,
            _ when After(rest, "signal:") is { } principal => EarlierKey.Move(Signal(principal)),
            _ when After(rest, "revoked:") is { } principal => EarlierKey.Move(Revocation(principal)),
            _ when (After(rest, "session:") ?? After(rest, "{sessions}:session:")) is { } id => EarlierKey.Session(id),
            _ when (After(rest, "psessions:") ?? After(rest, "rsessions:") ?? After(rest, "{sessions}:principal:") ?? After(rest, "{sessions}:role:")) is not null => EarlierKey.Index,
            _ => null,
        };
    }

    public RedisChannel Invalidations => RedisChannel.Literal(Prefix + "invalidate");

    public RedisChannel LogoutAppended => RedisChannel.Literal(Prefix + "logouts:notify");

    /// <summary>The cluster slot of a hash tag (CRC16/XMODEM of the tag, modulo 16,384), as Redis computes it.</summary>
    internal static int SlotOf(string tag)
    {
        ushort crc = 0;
        foreach (var b in Encoding.UTF8.GetBytes(tag))
        {
            crc ^= (ushort)(b << 8);
            for (var i = 0; i < 8; i++) crc = (ushort)((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
        }
        return crc & 16383;
    }

    private static string TagOf(int partition)
    {
        for (var n = 0; ; n++)
        {
            var tag = $"s:{partition}.{n}";
            if (SlotOf(tag) / SlotsPerPartition == partition) return tag;
        }
    }
}

/// <summary>What becomes of a key of an earlier layout: moved as it is, a session rewritten in this layout's form, or an index rebuilt from the sessions (deleted).</summary>
internal sealed record EarlierKey(RedisKey? To, string? SessionId)
{
    public static EarlierKey Move(RedisKey to) => new(to, null);

    public static EarlierKey Session(string id) => new(null, id);

    public static readonly EarlierKey Index = new(null, null);
}
