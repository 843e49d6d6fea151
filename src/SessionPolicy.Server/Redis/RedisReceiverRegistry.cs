using System.Text.Json;
using SessionPolicy.Server.Receivers;
using SessionPolicy.Server.Telemetry;
using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>
/// Receivers registered at run time, in one Redis hash (name to JSON) so every replica delivers to them; each one's
/// authorization header is sealed (<see cref="ReceiverSecrets"/>) before it is written. An entry that does not read
/// (altered, or sealed under another key) is left out and logged, never delivered to with a wrong header.
/// </summary>
internal sealed class RedisReceiverRegistry(RedisConnection redis, RedisKeys keys, ReceiverSecrets secrets, ILogger<RedisReceiverRegistry> logger) : IReceiverRegistry
{
    // KEYS: receivers. ARGV: name, json, max.
    private const string Add = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 1 end
        if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 2 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        return 0
        """;

    // KEYS: receivers. ARGV: name, json.
    private const string Replace = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        return 1
        """;

    public event Action? Changed;

    public bool KeepsSecrets => secrets.CanSeal;

    public Task<IReadOnlyList<Receiver>> ListAsync() => RedisFailures.RunAsync("read the registered receivers", async () =>
    {
        var entries = await redis.Database.HashGetAllAsync(keys.Receivers);
        return (IReadOnlyList<Receiver>)[.. entries.Select(e => Read(e.Name!, e.Value)).OfType<Receiver>().OrderBy(r => r.Name, StringComparer.Ordinal)];
    });

    public Task<Receiver?> GetAsync(string name) => RedisFailures.RunAsync("read a registered receiver", async () =>
        await redis.Database.HashGetAsync(keys.Receivers, name) is { HasValue: true } value ? Read(name, value) : null);

    public async Task<RegistryChange> AddAsync(Receiver receiver, int max)
    {
        var result = await RedisFailures.RunAsync("register a receiver", async () =>
            (int)await redis.Database.ScriptEvaluateAsync(Add, [keys.Receivers], [receiver.Name, Write(receiver), max]));
        if (result == 0) Changed?.Invoke();
        return result switch { 0 => RegistryChange.Done, 1 => RegistryChange.Exists, _ => RegistryChange.Full };
    }

    public async Task<bool> ReplaceAsync(Receiver receiver)
    {
        var replaced = await RedisFailures.RunAsync("change a registered receiver", async () =>
            (int)await redis.Database.ScriptEvaluateAsync(Replace, [keys.Receivers], [receiver.Name, Write(receiver)]) == 1);
        if (replaced) Changed?.Invoke();
        return replaced;
    }

    public async Task<bool> RemoveAsync(string name)
    {
        var removed = await RedisFailures.RunAsync("remove a registered receiver", () => redis.Database.HashDeleteAsync(keys.Receivers, name));
        if (removed) Changed?.Invoke();
        return removed;
    }

    private string Write(Receiver receiver)
    {
        var settings = receiver.Settings.Copy();
        settings.AuthorizationHeader = secrets.Seal(settings.AuthorizationHeader);
        return JsonSerializer.Serialize(receiver with { Settings = settings });
    }

    private Receiver? Read(string name, RedisValue value)
    {
        try
        {
            if (JsonSerializer.Deserialize<Receiver>(value.ToString()) is { Settings: { } settings } receiver && settings.Name == name
                && secrets.Open(settings.AuthorizationHeader) is { } header)
            {
                var opened = settings.Copy();
                opened.AuthorizationHeader = header;
                return receiver with { Settings = opened };
            }
        }
        catch (JsonException)
        {
        }
        Log.ReceiverUnreadable(logger, name);
        return null;
    }
}
