namespace SessionPolicy.Server.Security;

/// <summary>What a caller may do, by RPC.</summary>
internal static class Permissions
{
    public const string Decide = "decide";
    public const string Issue = "issue";
    public const string Subscribe = "subscribe";
    public const string Register = "register";
    public const string Admin = "admin";

    /// <summary>Every permission there is.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>([Decide, Issue, Subscribe, Register, Admin], StringComparer.Ordinal);

    /// <summary>The permission each method needs; methods not listed (health, reflection) need none.</summary>
    public static readonly IReadOnlyDictionary<string, string> ByMethod = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["/sessionpolicy.v1.SessionPolicyService/Decide"] = Decide,
        ["/sessionpolicy.v1.SessionPolicyService/DecideBatch"] = Decide,
        ["/sessionpolicy.v1.SessionPolicyService/GetPolicyInfo"] = Decide,
        ["/sessionpolicy.v1.SessionCredentialsService/IssueSession"] = Issue,
        ["/sessionpolicy.v1.SessionEventsService/SubscribeLogouts"] = Subscribe,
        ["/sessionpolicy.v1.SessionEventsService/RegisterSession"] = Register,
        ["/sessionpolicy.v1.SessionEventsService/RecordActivity"] = Register,
        ["/sessionpolicy.v1.SessionEventsService/ForceLogout"] = Admin,
        ["/sessionpolicy.v1.SessionEventsService/ListSessions"] = Admin,
        ["/sessionpolicy.v1.SessionEventsService/ReportSignal"] = Admin,
    };
}
