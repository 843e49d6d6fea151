using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace SessionPolicy.Server.Security;

/// <summary>Keys from PEM text: an EC key (P-256, ES256) or else an RSA key (RS256), public or private.</summary>
internal static class PemKeys
{
    /// <summary>Shortest RSA key accepted.</summary>
    public const int MinRsaBits = 2048;

    public static AsymmetricSecurityKey Load(string pem)
    {
        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            return new ECDsaSecurityKey(ec);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            ec.Dispose();
        }
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        // RFC 8725 §3.5: keys with enough entropy; an RSA key under 2048 bits is refused.
        if (rsa.KeySize < MinRsaBits) throw new WeakKeyException($"an RSA key of {rsa.KeySize} bits is too short; at least {MinRsaBits} are needed");
        return new RsaSecurityKey(rsa);
    }

    /// <summary>The signing algorithm for a key <see cref="Load"/> made.</summary>
    public static string Algorithm(SecurityKey key) => key is ECDsaSecurityKey ? SecurityAlgorithms.EcdsaSha256 : SecurityAlgorithms.RsaSha256;
}

/// <summary>A key that reads but is too weak to trust.</summary>
internal sealed class WeakKeyException(string message) : CryptographicException(message);
