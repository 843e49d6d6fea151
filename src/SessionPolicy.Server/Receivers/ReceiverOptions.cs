using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Receivers;

/// <summary>The applications that receive logouts by push, and how the service calls them (section <c>SessionPolicy:Receivers</c>).</summary>
public sealed class ReceiverOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:Receivers";

    /// <summary>Allows plain <c>http</c> to loopback addresses (and any call to loopback), for development; off, every push URL is <c>https</c> to a public address.</summary>
    public bool AllowHttpLoopback { get; set; }

    /// <summary>Allows receivers on private networks (RFC 1918, shared address space, unique local IPv6); link-local and cloud metadata addresses are refused regardless.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Longest one delivery takes, from connecting to the last byte of the answer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "SessionPolicy:Receivers:RequestTimeout must be between 00:00:00.100 and 00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most of a receiver's answer that is read; a longer one is a failed delivery.</summary>
    [Range(1024, 1048576, ErrorMessage = "SessionPolicy:Receivers:MaxResponseBytes must be between 1024 and 1048576")]
    public int MaxResponseBytes { get; set; } = 65536;

    /// <summary>The first wait after a failed delivery; each further failure doubles it (with jitter), up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00", ErrorMessage = "SessionPolicy:Receivers:MinBackoff must be between 00:00:00.001 and 00:10:00")]
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts (a receiver's <c>Retry-After</c> is honoured up to this).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = "SessionPolicy:Receivers:MaxBackoff must be between 00:00:00.001 and 01:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a replica's hold on delivering to a receiver lasts unless renewed (it renews at each event and each retry); a replica that dies hands over after this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "SessionPolicy:Receivers:Lease must be between 00:00:01 and 00:05:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The receivers configured (for GitOps).</summary>
    public List<ReceiverSettings> List { get; set; } = [];

    /// <summary>The audiences (client ids) receivers may hear; when any are listed, a receiver naming another is refused.</summary>
    public string[] KnownAudiences { get; set; } = [];

    /// <summary>Most receivers registered through the API and Shared Signals streams together (the configured ones aside).</summary>
    [Range(1, 10000, ErrorMessage = "SessionPolicy:Receivers:MaxRegistered must be between 1 and 10000")]
    public int MaxRegistered { get; set; } = 1000;

    /// <summary>
    /// A file of at least 32 bytes (random) from which the key is derived that seals registered receivers' authorization
    /// headers in the shared store; without it, a registration with an authorization header is refused in shared mode.
    /// </summary>
    public string SecretKeyFile { get; set; } = "";

    /// <summary>How often each replica looks for receivers registered or changed on another.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "SessionPolicy:Receivers:RefreshInterval must be between 00:00:00.050 and 00:01:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest a Shared Signals poll without <c>returnImmediately</c> waits for events.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "SessionPolicy:Receivers:MaxPollWait must be between 00:00:00 and 00:05:00")]
    public TimeSpan MaxPollWait { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxBackoff < MinBackoff) yield return new ValidationResult($"{Section}:MaxBackoff must not be shorter than {Section}:MinBackoff", [nameof(MaxBackoff)]);
        if (SecretKeyFile.Length > 0 && !File.Exists(SecretKeyFile)) yield return new ValidationResult($"{Section}:SecretKeyFile '{SecretKeyFile}' does not exist", [nameof(SecretKeyFile)]);
        if (KnownAudiences.Any(a => !ReceiverRules.IsId(a))) yield return new ValidationResult($"{Section}:KnownAudiences must be audiences of 1 to {ReceiverRules.MaxId} printable characters", [nameof(KnownAudiences)]);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<ValidationResult>();
        for (var i = 0; i < List.Count; i++)
        {
            var r = List[i];
            var at = $"{Section}:List:{i}";
            ReceiverRules.Check(r, this, (field, why) => problems.Add(new ValidationResult($"{at}:{ReceiverRules.SettingName(field)} {why}", [nameof(List)])));
            if (ReceiverRules.IsName(r.Name) && !names.Add(r.Name)) problems.Add(new ValidationResult($"{at}:Name '{r.Name}' is used twice", [nameof(List)]));
        }
        foreach (var p in problems) yield return p;
    }
}
