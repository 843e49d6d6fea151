using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using SessionPolicy.V1;

namespace SessionPolicy.Cli.Commands;

/// <summary>
/// Issued credentials kept on disk for <c>credential-process</c>, as aws-vault does: AWS SDKs call a credential process
/// again whenever what it gave them expires within about 15 minutes, so without a cache short sessions cost an
/// AssumeRole per API call. An entry is the credential_process JSON, in a file only its user may read (0600, in a 0700
/// folder), named by a hash of what it was issued for: the server, the caller's credential (its hash, never itself) and
/// the whole IssueSession request. It is handed back while more than <see cref="MinRemaining"/> of it is left. Nothing
/// else is ever written; a folder or file others may read is neither read nor written.
/// </summary>
internal sealed class CredentialCache(string folder)
{
    /// <summary>Left of a cached session below which a new one is issued.</summary>
    public static readonly TimeSpan MinRemaining = TimeSpan.FromMinutes(5);

    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Folder => folder;

    /// <summary>The XDG cache folder for them: <c>$XDG_CACHE_HOME/session-policy/credentials</c>, or <c>~/.cache/session-policy/credentials</c>.</summary>
    public static string DefaultFolder()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cache) || !Path.IsPathRooted(cache)) cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "session-policy", "credentials");
    }

    /// <summary>The entry's name for a request to a server by a caller.</summary>
    public static string Key(Connection connection, IssueSessionRequest request)
    {
        var caller = connection.Token is { } token ? "token:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))
            : connection.Certificate is { } certificate ? "certificate:" + certificate.GetCertHashString(HashAlgorithmName.SHA256) : "anonymous";
        var text = $"{connection.Address}\n{caller}\n{Convert.ToBase64String(request.ToByteArray())}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The cached credential_process JSON for <paramref name="key"/>, when it has more than <see cref="MinRemaining"/> left at <paramref name="now"/>.</summary>
    public string? Get(string key, DateTimeOffset now)
    {
        var file = Path.Combine(folder, key + ".json");
        try
        {
            if (!Private(folder, FolderMode) || !File.Exists(file) || !Private(file, FileMode)) return null;
            var text = File.ReadAllText(file);
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (root.GetProperty("Version").GetInt32() != 1 || root.GetProperty("AccessKeyId").GetString() is not { Length: > 0 }) return null;
            var expires = DateTimeOffset.Parse(root.GetProperty("Expiration").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            return expires - now > MinRemaining ? text : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            // Unreadable or not an entry: issued again, and written over.
            return null;
        }
    }

    /// <summary>Keeps <paramref name="json"/> for <paramref name="key"/>: written to a private temporary file, then renamed into place. False when it could not be kept privately.</summary>
    public bool Put(string key, string json)
    {
        if (OperatingSystem.IsWindows()) return false;
        try
        {
            if (!Directory.Exists(folder)) Directory.CreateDirectory(folder, FolderMode);
            if (!Private(folder, FolderMode)) return false;
            var temporary = Path.Combine(folder, $".{key}.{Environment.ProcessId}.tmp");
            using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode }))
            {
                stream.Write(Encoding.UTF8.GetBytes(json));
            }
            File.Move(temporary, Path.Combine(folder, key + ".json"), overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether a path is no link and exactly as private as <paramref name="mode"/> (its user only).</summary>
    private static bool Private(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) return false;
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) return false;
        return File.GetUnixFileMode(path) == mode;
    }
}
