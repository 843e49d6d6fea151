namespace SessionPolicy.Server.Receivers;

/// <summary>One application that hears of ended sessions in a standard it speaks (an item of <c>SessionPolicy:Receivers:List</c>).</summary>
public sealed class ReceiverSettings
{
    public const string OidcBackChannel = "oidc-backchannel";

    /// <summary>Names the receiver in logs, metrics and its stored cursor: 1 to 64 of a-z, 0-9 and '-'.</summary>
    public string Name { get; set; } = "";

    /// <summary>How it hears: <c>oidc-backchannel</c> (OpenID Connect Back-Channel Logout 1.0).</summary>
    public string Kind { get; set; } = "";

    /// <summary>Where deliveries are POSTed: https (http only to loopback where allowed).</summary>
    public string Url { get; set; } = "";

    /// <summary>The audiences (client ids) whose sessions it hears of; each is the <c>aud</c> of the tokens it gets.</summary>
    public string[] Audiences { get; set; } = [];

    /// <summary>Only the sessions of these principals, when any are listed; otherwise every principal's.</summary>
    public string[] Principals { get; set; } = [];

    /// <summary>The <c>Authorization</c> header value sent with each delivery, if any: a secret, never logged or shown.</summary>
    public string AuthorizationHeader { get; set; } = "";
}
