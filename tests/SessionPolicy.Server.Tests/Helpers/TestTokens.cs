using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>Caller tokens as an identity provider would issue them: ES256, for the service's issuer and audience.</summary>
public static class TestTokens
{
    public const string Issuer = "https://idp.test";
    public const string Audience = "session-policy";

    /// <summary>The settings of a service that accepts this issuer's tokens signed by the key in <paramref name="keyFile"/>.</summary>
    public static Dictionary<string, string?> ServerSettings(string keyFile) => new()
    {
        ["SessionPolicy:Auth:Issuer"] = Issuer,
        ["SessionPolicy:Auth:Audience"] = Audience,
        ["SessionPolicy:Auth:SigningKeyFiles:0"] = keyFile,
    };

    /// <summary>
    /// A token for <paramref name="subject"/> with <paramref name="permissions"/> (and the logout audiences, when
    /// given), valid from ten minutes before <paramref name="expires"/> (five minutes from now unless told).
    /// </summary>
    public static string Create(ECDsa key, string subject, string[] permissions, string[]? audiences = null, DateTime? expires = null, string? keyId = null)
    {
        var until = expires ?? DateTime.UtcNow.AddMinutes(5);
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["permissions"] = permissions };
        if (audiences is not null) claims["logout_audiences"] = audiences;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = claims,
            IssuedAt = until.AddMinutes(-10),
            NotBefore = until.AddMinutes(-10),
            Expires = until,
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.EcdsaSha256),
        });
    }
}
