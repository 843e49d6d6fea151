using System.Net;

namespace SessionPolicy.Server.Receivers;

/// <summary>The rules for a receiver's push URL, checked when it is registered (and again, by address, at each connection).</summary>
internal static class ReceiverUrls
{
    public const int MaxLength = 2048;

    /// <summary>Why <paramref name="url"/> is not a push URL the service will call; null when it is.</summary>
    public static string? Refusal(string url, ReceiverOptions options)
    {
        if (url.Length == 0) return "is required for a push receiver";
        if (url.Length > MaxLength) return $"is longer than {MaxLength} characters";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.HostNameType == UriHostNameType.Unknown) return "is not an absolute URL";
        if (uri.UserInfo.Length > 0) return "must not carry credentials (use the authorization header)";
        if (uri.Fragment.Length > 0) return "must not have a fragment";
        var loopback = uri.IsLoopback;
        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            if (!options.AllowHttpLoopback) return "must be https";
            if (!loopback) return "may be http only to a loopback address";
        }
        else if (uri.Scheme != Uri.UriSchemeHttps) return "must be https";
        if (loopback && !options.AllowHttpLoopback) return "must not point at a loopback address";
        if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && ReceiverAddresses.Refusal(address, options) is { } why) return $"points at {why}";
        return null;
    }
}
