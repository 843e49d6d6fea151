namespace SessionPolicy.Server.Receivers;

/// <summary>
/// A receiver as deliveries see it: its settings, where it comes from, and, for a Shared Signals stream, the stream's
/// state. Immutable: a change is a new one.
/// </summary>
internal sealed record Receiver(ReceiverSettings Settings, string Source, ReceiverStream? Stream = null)
{
    /// <summary>From <c>SessionPolicy:Receivers:List</c>.</summary>
    public const string Configured = "configuration";

    /// <summary>From <c>RegisterReceiver</c>.</summary>
    public const string Registered = "api";

    /// <summary>A Shared Signals stream created through the stream management API.</summary>
    public const string Streamed = "ssf-stream";

    [System.Text.Json.Serialization.JsonIgnore]
    public string Name => Settings.Name;

    /// <summary>Whether events are delivered now (a stream paused or disabled holds or drops them).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Enabled => Stream is null || Stream.Status == ReceiverStream.StatusEnabled;

    /// <summary>Whether events go by without being held (a disabled stream).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Dropping => Stream?.Status == ReceiverStream.StatusDisabled;

    /// <summary>Whether this receiver hears of the sessions of <paramref name="principal"/>.</summary>
    public bool Hears(string principal) =>
        (Settings.Principals.Length == 0 || Settings.Principals.Contains(principal, StringComparer.Ordinal))
        && (Stream is null || (Stream.Delivers && !Stream.Excluded.Contains(principal, StringComparer.Ordinal)));
}

/// <summary>
/// A Shared Signals stream's own state (SSF 1.0, section 8): who created it (only it, or an admin, may change it), its
/// status, the subjects removed from it (a stream hears every subject of its audiences until one is removed), and what
/// the receiver said of it.
/// </summary>
internal sealed record ReceiverStream(string Owner, string Status, string[] Excluded, string Description, string StatusReason, string[] EventsRequested, DateTimeOffset Created)
{
    /// <summary>Whether it asked for session-revoked events (the one event type the stream carries from the log).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Delivers => EventsRequested.Contains(Sessions.SecurityEventTokens.SessionRevoked, StringComparer.Ordinal);

    public const string StatusEnabled = "enabled";
    public const string StatusPaused = "paused";
    public const string StatusDisabled = "disabled";

    public static readonly IReadOnlyList<string> Statuses = [StatusEnabled, StatusPaused, StatusDisabled];

    /// <summary>Most subjects removed from one stream.</summary>
    public const int MaxExcluded = 10000;
}
