namespace SessionPolicy.Server.Receivers;

/// <summary>
/// One application that hears of ended sessions in a standard it speaks: an item of <c>SessionPolicy:Receivers:List</c>,
/// one registered through <c>RegisterReceiver</c>, or a Shared Signals stream a receiver created.
/// </summary>
public sealed class ReceiverSettings
{
    /// <summary>OpenID Connect Back-Channel Logout 1.0: a logout token POSTed as a form.</summary>
    public const string OidcBackChannel = "oidc-backchannel";

    /// <summary>Shared Signals, push delivery (RFC 8935): a CAEP session-revoked SET POSTed as <c>application/secevent+jwt</c>.</summary>
    public const string SsfPush = "ssf-push";

    /// <summary>Shared Signals, poll delivery (RFC 8936): the receiver polls the service's endpoint for its SETs.</summary>
    public const string SsfPoll = "ssf-poll";

    /// <summary>Every kind there is.</summary>
    public static readonly IReadOnlyList<string> Kinds = [OidcBackChannel, SsfPush, SsfPoll];

    /// <summary>The subject identifier formats (RFC 9493) a Shared Signals receiver may ask for.</summary>
    public static readonly IReadOnlyList<string> SubjectFormats = ["opaque", "iss_sub", "email"];

    /// <summary>Names the receiver in logs, metrics and its stored cursor: 1 to 64 of a-z, 0-9 and '-'.</summary>
    public string Name { get; set; } = "";

    /// <summary>How it hears: <c>oidc-backchannel</c>, <c>ssf-push</c> or <c>ssf-poll</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>Where deliveries are POSTed (push kinds): https (http only to loopback where allowed). Empty for <c>ssf-poll</c>.</summary>
    public string Url { get; set; } = "";

    /// <summary>The audiences (client ids) whose sessions it hears of; the <c>aud</c> of the tokens it gets.</summary>
    public string[] Audiences { get; set; } = [];

    /// <summary>Only the sessions of these principals, when any are listed; otherwise every principal's.</summary>
    public string[] Principals { get; set; } = [];

    /// <summary>How a Shared Signals receiver's SETs name the user: <c>opaque</c> (default), <c>iss_sub</c> or <c>email</c> (where the principal id is an address).</summary>
    public string SubjectFormat { get; set; } = "opaque";

    /// <summary>The <c>Authorization</c> header value sent with each push, if any: a secret, never logged or shown.</summary>
    public string AuthorizationHeader { get; set; } = "";

    /// <summary>Whether the service calls it (every kind but poll).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsPush => Kind != SsfPoll;

    /// <summary>Whether it hears in Shared Signals SETs.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsSsf => Kind is SsfPush or SsfPoll;

    public ReceiverSettings Copy() => (ReceiverSettings)MemberwiseClone();
}
