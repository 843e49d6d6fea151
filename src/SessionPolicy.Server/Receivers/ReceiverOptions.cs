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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxBackoff < MinBackoff) yield return new ValidationResult($"{Section}:MaxBackoff must not be shorter than {Section}:MinBackoff", [nameof(MaxBackoff)]);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < List.Count; i++)
        {
            var r = List[i];
            var at = $"{Section}:List:{i}";
            if (!System.Text.RegularExpressions.Regex.IsMatch(r.Name, "^[a-z0-9-]{1,64}$")) yield return new ValidationResult($"{at}:Name must be 1 to 64 of a-z, 0-9 and '-'", [nameof(List)]);
            else if (!names.Add(r.Name)) yield return new ValidationResult($"{at}:Name '{r.Name}' is used twice", [nameof(List)]);
            if (r.Kind != ReceiverSettings.OidcBackChannel) yield return new ValidationResult($"{at}:Kind must be {ReceiverSettings.OidcBackChannel}", [nameof(List)]);
            if (ReceiverUrls.Refusal(r.Url, this) is { } why) yield return new ValidationResult($"{at}:Url {why}", [nameof(List)]);
            if (r.Audiences.Length == 0 || r.Audiences.Any(a => a.Length is 0 or > 256)) yield return new ValidationResult($"{at}:Audiences must list 1 or more audiences of 1 to 256 characters", [nameof(List)]);
            if (r.Principals.Any(p => p.Length is 0 or > 256)) yield return new ValidationResult($"{at}:Principals must be principal ids of 1 to 256 characters", [nameof(List)]);
            if (r.AuthorizationHeader.Length > 4096 || r.AuthorizationHeader.Any(c => c is '\r' or '\n' || char.IsControl(c))) yield return new ValidationResult($"{at}:AuthorizationHeader must be at most 4096 characters, without control characters", [nameof(List)]);
        }
    }
}
