using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace SessionPolicy.Server.Security;

/// <summary>Keys from PEM text: an EC key (P-256, ES256) or else an RSA key (RS256), public or private.</summary>
internal static class PemKeys
{
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
        return new RsaSecurityKey(rsa);
    }

    /// <summary>The signing algorithm for a key <see cref="Load"/> made.</summary>
    public static string Algorithm(SecurityKey key) => key is ECDsaSecurityKey ? SecurityAlgorithms.EcdsaSha256 : SecurityAlgorithms.RsaSha256;
}
