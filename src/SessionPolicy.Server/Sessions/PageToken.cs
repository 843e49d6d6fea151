using System.Buffers.Text;
using System.Text;

namespace SessionPolicy.Server.Sessions;

/// <summary>ListSessions page tokens: the last id of the page, opaque to callers.</summary>
internal static class PageToken
{
    private const string Prefix = "after:";

    public static string Write(string lastId) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Prefix + lastId));

    public static bool TryRead(string token, out string lastId)
    {
        lastId = "";
        if (token.Length > 512) return false;
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            if (!text.StartsWith(Prefix, StringComparison.Ordinal)) return false;
            lastId = text[Prefix.Length..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
