namespace SessionPolicy.Server.Sessions;

/// <summary>A ListSessions request, read and checked: the filter, the last id of the previous page ("" for the first), the page size.</summary>
internal sealed record SessionQuery(SessionFilter Filter, string AfterId, int PageSize);
