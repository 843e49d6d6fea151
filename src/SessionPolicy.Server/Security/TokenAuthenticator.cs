using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SessionPolicy.Server.Security;

/// <summary>
/// Validates JWT bearer tokens as RFC 8725 (JWT best current practice) asks: asymmetric algorithms only (no
/// <c>none</c>, no HMAC with a public key), keys only from the configuration or the JWKS URL (never from the
/// token's <c>jwk</c>, <c>jku</c>, <c>x5u</c> or <c>kid</c> alone), issuer, audience, subject and lifetime
/// required, an access-token <c>typ</c> (or none), no encrypted tokens, and no <c>crit</c> header parameter
/// (RFC 7515 §4.1.11: the service understands no extension, so any is refused). It remembers
/// each valid token until it expires (at most five minutes), so a caller's repeated calls cost a lookup,
/// not a signature check. Failures are never remembered.
/// </summary>
internal sealed class TokenAuthenticator
{
    private const int MaxRemembered = 10_000;

    /// <summary>The signature algorithms accepted (RFC 8725 §3.1, §3.2): asymmetric ones, matching the keys the service loads.</summary>
    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
    ];

    /// <summary>The token types accepted when a token states one (RFC 8725 §3.11): bearer access tokens, not logout or event tokens.</summary>
    private static readonly string[] Types = ["JWT", "at+jwt", "application/at+jwt"];
    private static readonly TimeSpan Remember = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, Caller> _valid = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Caller>.AlternateLookup<ReadOnlySpan<char>> _validBySpan;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly IReadOnlyList<SecurityKey> _fileKeys;
    private readonly JwksKeys? _jwks;
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private TokenValidationParameters _parameters;
    private IReadOnlyList<SecurityKey>? _jwksInParameters;

    public TokenAuthenticator(IOptions<AuthOptions> options, TimeProvider time, JwksKeys? jwks = null)
    {
        _options = options.Value;
        _time = time;
        _jwks = jwks;
        _validBySpan = _valid.GetAlternateLookup<ReadOnlySpan<char>>();
        _fileKeys = _options.SigningKeyFiles.Select(LoadKey).ToList();
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            IssuerSigningKeys = _fileKeys,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidAlgorithms = Algorithms,
            TryAllIssuerSigningKeys = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, p) =>
                (notBefore is null || notBefore <= _time.GetUtcNow().UtcDateTime + p.ClockSkew)
                && expires is not null && expires > _time.GetUtcNow().UtcDateTime - p.ClockSkew,
        };
    }

    public DateTimeOffset Now => _time.GetUtcNow();

    private static SecurityKey LoadKey(string file)
    {
        try
        {
            return PemKeys.Load(File.ReadAllText(file));
        }
        catch (WeakKeyException e)
        {
            throw new InvalidOperationException($"'{file}': {e.Message}", e);
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException($"'{file}' holds no PEM RSA or EC public key", e);
        }
    }

    /// <summary>The caller a remembered token belongs to, without validating anything; null when it must be validated.</summary>
    public Caller? Remembered(ReadOnlySpan<char> token) =>
        _validBySpan.TryGetValue(token, out var caller) && caller.ValidUntil > _time.GetUtcNow() ? caller : null;

    /// <summary>Validates a token; the caller, or why the token was refused.</summary>
    public async Task<(Caller? Caller, string Failure)> ValidateAsync(string token)
    {
        var (read, refused) = Read(token);
        if (read is null) return (null, refused);
        if (_jwks is not null) await _jwks.RefreshAsync(unknownKey: false);
        // The token read once above is what is validated: its header was checked, it is not parsed again.
        var result = await _handler.ValidateTokenAsync(read, Parameters());
        if (!result.IsValid && _jwks is not null && result.Exception is SecurityTokenSignatureKeyNotFoundException && await _jwks.RefreshAsync(unknownKey: true))
        {
            result = await _handler.ValidateTokenAsync(read, Parameters());
        }
        if (!result.IsValid) return (null, Why(result.Exception));
        var jwt = (JsonWebToken)result.SecurityToken;
        if (string.IsNullOrEmpty(jwt.Subject)) return (null, "the token names no subject (sub)");
        var now = _time.GetUtcNow();
        var until = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        var caller = new Caller(
            jwt.Subject,
            Values(jwt, _options.PermissionsClaim),
            Values(jwt, _options.AudiencesClaim),
            until < now + Remember ? until : now + Remember);
        if (_valid.Count >= MaxRemembered) _valid.Clear();
        _valid[token] = caller;
        return (caller, "");
    }

    /// <summary>The validation parameters with the key set last fetched; rebuilt only when it changes.</summary>
    private TokenValidationParameters Parameters()
    {
        if (_jwks is null || ReferenceEquals(_jwks.Keys, _jwksInParameters)) return _parameters;
        var keys = _jwks.Keys;
        var parameters = _parameters.Clone();
        parameters.IssuerSigningKeys = [.. _fileKeys, .. keys];
        _jwksInParameters = keys;
        return _parameters = parameters;
    }

    private static HashSet<string> Values(JsonWebToken jwt, string claim) =>
        jwt.Claims.Where(c => c.Type == claim).SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);

    /// <summary>The token read, or why its header alone rules it out before any key is tried.</summary>
    private (JsonWebToken? Token, string Failure) Read(string token)
    {
        JsonWebToken jwt;
        try
        {
            jwt = _handler.ReadJsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return (null, "the bearer token is not a JWT");
        }
        if (jwt.IsEncrypted) return (null, "the token is encrypted (JWE); the service accepts signed tokens only");
        if (jwt.TryGetHeaderValue<object>("crit", out _)) return (null, "the token has critical header parameters (crit) the service does not understand");
        if (jwt.Typ is { Length: > 0 } typ && !Types.Contains(typ, StringComparer.OrdinalIgnoreCase)) return (null, "the token's type (typ) is not an access token");
        return (jwt, "");
    }

    /// <summary>The kind of failure, never the token.</summary>
    private static string Why(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenInvalidLifetimeException => "the token has expired or is not valid yet",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "the token's signature is not from a trusted key",
        SecurityTokenInvalidIssuerException => "the token's issuer is not trusted",
        SecurityTokenInvalidAudienceException => "the token is not for this service",
        SecurityTokenMalformedException or ArgumentException => "the bearer token is not a JWT",
        SecurityTokenInvalidAlgorithmException => "the token's algorithm (alg) is not accepted",
        SecurityTokenNoExpirationException => "the token has no expiry (exp)",
        _ => "the token is not valid",
    };
}
