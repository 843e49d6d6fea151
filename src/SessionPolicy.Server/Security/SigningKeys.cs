using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Sessions;

namespace SessionPolicy.Server.Security;

/// <summary>
/// The keys the service signs its tokens with (CAEP Security Event Tokens, OIDC logout tokens): the current one signs;
/// it and the previous ones are published as a JSON Web Key Set (public parts only, each with its <c>kid</c>, <c>alg</c>
/// and <c>use: sig</c>), so a token signed before a rotation verifies until it expires. RS256 for RSA keys, ES256 for
/// P-256.
/// </summary>
internal sealed class SigningKeys : IStartupTask
{
    public SigningKeys(IOptions<SecurityEventTokenOptions> options)
    {
        var settings = options.Value;
        var current = Load(settings.KeyFile, "KeyFile", needPrivate: true);
        current.KeyId = settings.KeyId.Length > 0 ? settings.KeyId : Thumbprint(current);
        Signing = new SigningCredentials(current, PemKeys.Algorithm(current));
        var previous = settings.PreviousKeyFiles.Select((f, i) => Load(f, $"PreviousKeyFiles:{i}", needPrivate: false)).ToList();
        foreach (var key in previous) key.KeyId = Thumbprint(key);
        Published = [current, .. previous.Where(p => p.KeyId != current.KeyId)];
        Jwks = JsonSerializer.Serialize(new { keys = Published.Select(PublicJwk) });
    }

    /// <summary>What signs now.</summary>
    public SigningCredentials Signing { get; }

    // No default times: each token says its own iat (from the injected clock) and exp, or none.
    private readonly Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>The one way the service signs a token it issues: <paramref name="token"/> signed with the current key (its <c>kid</c> in the header).</summary>
    public string Sign(SecurityTokenDescriptor token)
    {
        token.SigningCredentials = Signing;
        return _handler.CreateToken(token);
    }

    /// <summary>The keys a token of this service may be signed with: the current one first.</summary>
    public IReadOnlyList<AsymmetricSecurityKey> Published { get; }

    /// <summary>The JSON Web Key Set of <see cref="Published"/> (RFC 7517), public parts only.</summary>
    public string Jwks { get; }

    /// <summary>Nothing to do: the keys were read when this was made, before the service serves; a bad file stopped the start.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static AsymmetricSecurityKey Load(string file, string setting, bool needPrivate)
    {
        var where = $"{SecurityEventTokenOptions.Section}:{setting} '{file}'";
        try
        {
            var key = PemKeys.Load(File.ReadAllText(file));
            if (needPrivate && key.PrivateKeyStatus == PrivateKeyStatus.DoesNotExist) throw new StartupFailure($"{where} holds a public key; signing needs the private key");
            return key;
        }
        catch (WeakKeyException e)
        {
            throw new StartupFailure($"{where}: {e.Message}", inner: e);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException or IOException)
        {
            throw new StartupFailure($"{where} holds no PEM RSA or EC P-256 key", inner: e);
        }
    }

    private static string Thumbprint(SecurityKey key) => Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());

    private static Dictionary<string, string> PublicJwk(AsymmetricSecurityKey key)
    {
        var jwk = new Dictionary<string, string> { ["kid"] = key.KeyId!, ["use"] = "sig", ["alg"] = PemKeys.Algorithm(key) };
        switch (key)
        {
            case ECDsaSecurityKey ec:
                var p = ec.ECDsa.ExportParameters(includePrivateParameters: false);
                (jwk["kty"], jwk["crv"], jwk["x"], jwk["y"]) = ("EC", "P-256", Base64UrlEncoder.Encode(p.Q.X), Base64UrlEncoder.Encode(p.Q.Y));
                break;
            case RsaSecurityKey rsa:
                var r = rsa.Rsa.ExportParameters(includePrivateParameters: false);
                (jwk["kty"], jwk["n"], jwk["e"]) = ("RSA", Base64UrlEncoder.Encode(r.Modulus), Base64UrlEncoder.Encode(r.Exponent));
                break;
            default:
                throw new CryptographicException("only EC P-256 and RSA keys sign");
        }
        return jwk;
    }
}
