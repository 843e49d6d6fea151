using System.Text.Json;
using SessionPolicy.Server.Revocation;

namespace SessionPolicy.Server.Redis;

/// <summary>
/// The revocations in one Redis hash (role ARN to JSON), so they survive a restart and another replica carries on with
/// what IAM has not accepted yet. An entry that does not read is reported as its role with nothing kept, never dropped silently.
/// </summary>
internal sealed class RedisRevocationLedger(RedisConnection redis, RedisKeys keys) : IRevocationLedger
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<IReadOnlyList<RevocationEntry>> ListAsync() => RedisFailures.RunAsync("read the revocations", async () =>
    {
        var entries = await redis.Database.HashGetAllAsync(keys.CredentialRevocations);
        return (IReadOnlyList<RevocationEntry>)[.. entries.Select(e => Read(e.Name!, e.Value!)).OrderBy(e => e.RoleArn, StringComparer.Ordinal)];
    });

    public Task<RevocationEntry?> GetAsync(string roleArn) => RedisFailures.RunAsync("read a role's revocations", async () =>
        await redis.Database.HashGetAsync(keys.CredentialRevocations, roleArn) is { HasValue: true } value ? Read(roleArn, value!) : null);

    public Task SetAsync(RevocationEntry entry) => RedisFailures.RunAsync("record a role's revocations", async () =>
        await redis.Database.HashSetAsync(keys.CredentialRevocations, entry.RoleArn, JsonSerializer.Serialize(entry, Json)));

    public Task RemoveAsync(string roleArn) => RedisFailures.RunAsync("forget a role's revocations", async () =>
        await redis.Database.HashDeleteAsync(keys.CredentialRevocations, roleArn));

    /// <summary>An entry as stored; one that does not read stays pending with an empty document, so the role's policy is read from IAM again.</summary>
    private static RevocationEntry Read(string role, string json)
    {
        try
        {
            if (JsonSerializer.Deserialize<RevocationEntry>(json, Json) is { } e && e.RoleArn == role) return e;
        }
        catch (JsonException)
        {
        }
        return new RevocationEntry { RoleArn = role, Document = "", State = RevocationState.Pending, LastError = "the stored entry did not read" };
    }
}
