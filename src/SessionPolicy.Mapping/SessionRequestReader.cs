using System.Net;
using SessionPolicy.Core.Evaluation;
using CoreChannel = SessionPolicy.Core.Evaluation.ChannelKind;
using SessionPolicy.V1;

namespace SessionPolicy.Mapping;

/// <summary>
/// Turns the principal, role and context of a request into a validated <see cref="SessionRequest"/>,
/// recording every bad field. Enum values must be known and not *_UNSPECIFIED; a stated sign-in time must lie
/// within <see cref="TimeBounds"/>, and is never later than the moment of reading (a time a little ahead,
/// within the clock skew, counts as now), so a client-chosen time cannot step over a revocation.
/// </summary>
public static class SessionRequestReader
{
    public const int MaxIdLength = 256;
    public const int MaxGroups = 256;
    public const int MaxAttributes = 64;
    public const int MaxRoleTags = 50;
    public const int MaxShortText = 64;

    public static SessionRequest? Read(Principal? principal, Role? role, RequestContext? context, TimeBounds? times, FieldViolations errors)
    {
        var before = errors.Count;
        string id = "";
        var kind = PrincipalKind.Human;
        if (principal is null) errors.Add("principal", "is required");
        else
        {
            id = principal.Id;
            Text(errors, "principal.id", id, MaxIdLength, required: true);
            kind = principal.Type switch
            {
                PrincipalType.Human => PrincipalKind.Human,
                PrincipalType.Service => PrincipalKind.Service,
                PrincipalType.Unspecified => Fail(errors, "principal.type", "is required: PRINCIPAL_TYPE_HUMAN or PRINCIPAL_TYPE_SERVICE", PrincipalKind.Human),
                _ => Fail(errors, "principal.type", $"has unknown value {(int)principal.Type}", PrincipalKind.Human),
            };
            if (principal.Groups.Count > MaxGroups) errors.Add("principal.groups", $"has more than {MaxGroups} entries");
            for (var i = 0; i < principal.Groups.Count && i < MaxGroups; i++) Text(errors, $"principal.groups[{i}]", principal.Groups[i], MaxIdLength, required: true);
            Map(errors, "principal.attributes", principal.Attributes, MaxAttributes);
            if (principal.AccountId.Length > 0 && !RoleArn.IsAccountId(principal.AccountId)) errors.Add("principal.account_id", "must be a 12-digit AWS account id");
        }

        RoleArn? arn = null;
        if (role is null) errors.Add("role", "is required");
        else
        {
            if (!RoleArn.TryParse(role.Arn, out arn, out var arnError)) errors.Add("role.arn", arnError);
            Map(errors, "role.tags", role.Tags, MaxRoleTags);
            if (role.MaxSessionSeconds != 0 && role.MaxSessionSeconds is < StsLimits.DefaultDurationSeconds or > StsLimits.MaxDurationSeconds)
            {
                errors.Add("role.max_session_seconds", $"must be 0 (unknown) or {StsLimits.DefaultDurationSeconds}..{StsLimits.MaxDurationSeconds}, as IAM allows");
            }
        }

        context ??= new RequestContext();
        Text(errors, "context.environment", context.Environment, MaxShortText, required: false);
        Text(errors, "context.network_zone", context.NetworkZone, MaxShortText, required: false);
        IPAddress? ip = null;
        if (context.SourceIp.Length > 0 && (context.SourceIp.Length > 64 || !IPAddress.TryParse(context.SourceIp, out ip)))
        {
            errors.Add("context.source_ip", "is not an IPv4 or IPv6 address");
        }
        CoreChannel? channel = context.HasChannel ? context.Channel switch
        {
            Channel.Web => CoreChannel.Web,
            Channel.Mobile => CoreChannel.Mobile,
            Channel.Api => CoreChannel.Api,
            Channel.Cli => CoreChannel.Cli,
            _ => Fail<CoreChannel?>(errors, "context.channel", BadEnum("CHANNEL", (int)context.Channel), null),
        } : null;
        var assurance = !context.HasAssuranceLevel ? Assurance.None : context.AssuranceLevel switch
        {
            AssuranceLevel.Aal1 => Assurance.Aal1,
            AssuranceLevel.Aal2 => Assurance.Aal2,
            AssuranceLevel.Aal3 => Assurance.Aal3,
            _ => Fail(errors, "context.assurance_level", BadEnum("ASSURANCE_LEVEL", (int)context.AssuranceLevel), Assurance.None),
        };
        var device = !context.HasDeviceTrust ? DeviceTrustLevel.Unknown : context.DeviceTrust switch
        {
            DeviceTrust.Unknown => DeviceTrustLevel.Unknown,
            DeviceTrust.Unmanaged => DeviceTrustLevel.Unmanaged,
            DeviceTrust.Managed => DeviceTrustLevel.Managed,
            _ => Fail(errors, "context.device_trust", BadEnum("DEVICE_TRUST", (int)context.DeviceTrust), DeviceTrustLevel.Unknown),
        };
        if (context.HasRiskScore && context.RiskScore is < 0 or > 100) errors.Add("context.risk_score", "must be between 0 and 100");
        if (context.RequestedDurationSeconds < 0) errors.Add("context.requested_duration_seconds", "must not be negative (0 asks for as long as policy allows)");
        DateTimeOffset? authenticatedAt = null;
        if (context.AuthenticatedAt is { } at)
        {
            if (at.Seconds is < 0 or > 253402300799 || at.Nanos is < 0 or > 999_999_999) errors.Add("context.authenticated_at", "is not a valid timestamp");
            else
            {
                authenticatedAt = at.ToDateTimeOffset();
                if (times is { } bounds)
                {
                    if (bounds.Check(authenticatedAt.Value) is { } wrong) errors.Add("context.authenticated_at", wrong);
                    else if (authenticatedAt > bounds.Now) authenticatedAt = bounds.Now;
                }
            }
        }

        if (errors.Count != before || principal is null || arn is null) return null;

        var crossAccount = context.CrossAccount || (principal.AccountId.Length > 0 && principal.AccountId != arn.Account);
        return new SessionRequest
        {
            PrincipalId = id,
            PrincipalKind = kind,
            Groups = principal.Groups.Count == 0 ? [] : SessionRequest.NormalizeGroups(principal.Groups),
            Attributes = principal.Attributes.Count == 0 ? SessionRequest.NoAttributes : new Dictionary<string, string>(principal.Attributes, StringComparer.Ordinal),
            PrincipalAccount = principal.AccountId,
            Role = arn,
            RoleTags = role!.Tags.Count == 0 ? SessionRequest.NoAttributes : new Dictionary<string, string>(role.Tags, StringComparer.Ordinal),
            RoleMaxSessionSeconds = role.MaxSessionSeconds,
            Environment = context.Environment,
            SourceIp = ip,
            NetworkZone = context.NetworkZone,
            Channel = channel,
            Mfa = context.HasMfa ? context.Mfa : null,
            Assurance = assurance,
            DeviceTrust = device,
            CrossAccount = crossAccount,
            RoleChaining = context.RoleChaining,
            RiskScore = context.HasRiskScore ? context.RiskScore : null,
            RequestedDurationSeconds = context.RequestedDurationSeconds,
            AuthenticatedAt = authenticatedAt,
        };
    }

    private static string BadEnum(string prefix, int value) =>
        value == 0 ? $"must not be {prefix}_UNSPECIFIED; leave the field unset when it is not known" : $"has unknown value {value}";

    private static T Fail<T>(FieldViolations errors, string field, string message, T fallback)
    {
        errors.Add(field, message);
        return fallback;
    }

    private static void Text(FieldViolations errors, string field, string value, int max, bool required)
    {
        if (required && value.Length == 0) errors.Add(field, "is required");
        else if (value.Length > max) errors.Add(field, $"is longer than {max} characters");
        else if (value.AsSpan().IndexOfAnyInRange('\0', '\u001f') >= 0) errors.Add(field, "contains control characters");
    }

    private static void Map(FieldViolations errors, string field, IDictionary<string, string> map, int maxEntries)
    {
        if (map.Count > maxEntries)
        {
            errors.Add(field, $"has more than {maxEntries} entries");
            return;
        }
        foreach (var (key, value) in map)
        {
            if (key.Length is 0 or > 128) errors.Add($"{field}[{Truncate(key)}]", "key must be 1..128 characters");
            else if (value.Length > 256) errors.Add($"{field}[{key}]", "value is longer than 256 characters");
        }
    }

    private static string Truncate(string s) => s.Length <= 32 ? s : s[..32] + "...";
}
