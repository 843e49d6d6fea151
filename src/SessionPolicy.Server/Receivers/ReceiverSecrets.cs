using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Hosting;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// Seals registered receivers' authorization headers before they reach the shared store (AES-256-GCM under a key derived
/// with HKDF from <see cref="ReceiverOptions.SecretKeyFile"/>), so Redis, its backups and its replicas never hold them
/// in the clear. Without the file nothing can be sealed, and a registration with a header is refused.
/// </summary>
internal sealed class ReceiverSecrets
{
    private const string Version = "v1:";
    private readonly byte[]? _key;

    public ReceiverSecrets(IOptions<ReceiverOptions> options)
    {
        var file = options.Value.SecretKeyFile;
        if (file.Length == 0) return;
        byte[] material;
        try
        {
            material = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupFailure($"{ReceiverOptions.Section}:SecretKeyFile '{file}' does not read", inner: e);
        }
        if (material.Length < 32) throw new StartupFailure($"{ReceiverOptions.Section}:SecretKeyFile '{file}' must hold at least 32 bytes");
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, material, 32, info: Encoding.UTF8.GetBytes("sessionpolicy receiver authorization headers"));
    }

    public bool CanSeal => _key is not null;

    public string Seal(string secret)
    {
        if (secret.Length == 0) return "";
        if (_key is null) throw new InvalidOperationException("no key to seal receiver secrets with");
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[12 + plain.Length + 16];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, 12));
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(sealedBytes.AsSpan(0, 12), plain, sealedBytes.AsSpan(12, plain.Length), sealedBytes.AsSpan(12 + plain.Length));
        return Version + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The secret, or null when it does not open (another key, or altered).</summary>
    public string? Open(string value)
    {
        if (value.Length == 0) return "";
        if (_key is null || !value.StartsWith(Version, StringComparison.Ordinal)) return null;
        try
        {
            var sealedBytes = Convert.FromBase64String(value[Version.Length..]);
            if (sealedBytes.Length < 28) return null;
            var plain = new byte[sealedBytes.Length - 28];
            using var aes = new AesGcm(_key, 16);
            aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(12, plain.Length), sealedBytes.AsSpan(12 + plain.Length), plain);
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return null;
        }
    }
}
