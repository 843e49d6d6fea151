namespace SessionPolicy.Server.Sessions;

/// <summary>A SubscribeLogouts request, read and checked.</summary>
internal sealed record LogoutSubscriptionRequest(IReadOnlyList<string> Audiences, string PrincipalId, string RoleArn, string? Cursor, bool SecurityEventTokens);
