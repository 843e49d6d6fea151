using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Security;

/// <summary>
/// Token signing keys published as a JSON Web Key Set at <see cref="AuthOptions.JwksUrl"/>: fetched on first
/// use and again once <see cref="AuthOptions.JwksRefresh"/> has passed, or sooner (at most every 30 seconds)
/// when a token names a key the set does not hold, so a rotated key is picked up without hammering the
/// issuer. A failed fetch keeps the keys last fetched.
/// </summary>
internal sealed class JwksKeys : IDisposable
{
    private static readonly TimeSpan UnknownKeyInterval = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Uri _url;
    private readonly TimeSpan _refresh;
    private readonly TimeProvider _time;
    private readonly ILogger<JwksKeys> _logger;
    private DateTimeOffset _fetched = DateTimeOffset.MinValue;
    private volatile IReadOnlyList<SecurityKey> _keys = [];

    public JwksKeys(IOptions<AuthOptions> options, TimeProvider time, ILogger<JwksKeys> logger)
    {
        _url = new Uri(options.Value.JwksUrl);
        _refresh = options.Value.JwksRefresh;
        _time = time;
        _logger = logger;
    }

    /// <summary>The keys last fetched.</summary>
    public IReadOnlyList<SecurityKey> Keys => _keys;

    /// <summary>
    /// Fetches the set when it is due: older than the refresh period, or, when <paramref name="unknownKey"/>,
    /// older than 30 seconds. True when the keys may have changed.
    /// </summary>
    public async Task<bool> RefreshAsync(bool unknownKey)
    {
        var due = unknownKey ? UnknownKeyInterval : _refresh;
        if (_time.GetUtcNow() - _fetched < due) return false;
        await _gate.WaitAsync();
        try
        {
            // Another caller may have fetched while this one waited.
            if (_time.GetUtcNow() - _fetched < due) return true;
            // Stamped before fetching, so an unreachable issuer is asked at the same pace as a reachable one.
            _fetched = _time.GetUtcNow();
            var json = await _http.GetStringAsync(_url);
            var keys = new JsonWebKeySet(json).GetSigningKeys().ToList();
            _keys = keys;
            Log.JwksFetched(_logger, _url.ToString(), keys.Count);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or ArgumentException or System.Text.Json.JsonException)
        {
            Log.JwksFailed(_logger, _url.ToString(), e.Message, _keys.Count);
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }
}
