using Google.Protobuf;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Mapping;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// Reads the decision requests at the edge (Decide, DecideBatch, and the Decide request a session keeps to be
/// decided again): each returns the checked domain request, or null with every bad field recorded.
/// </summary>
internal static class DecisionRequestReader
{
    /// <summary>Most requests in one DecideBatch call.</summary>
    public const int MaxBatchSize = 500;

    public static SessionRequest? Read(DecideRequest request, TimeBounds times, FieldViolations errors) =>
        SessionRequestReader.Read(request.Principal, request.Role, request.Context, times, errors);

    /// <summary>The batch's own limits; each item is read with <see cref="Read(DecideRequest, TimeBounds, FieldViolations)"/> under <c>requests[i].</c>.</summary>
    public static bool ReadBatch(DecideBatchRequest request, FieldViolations errors)
    {
        if (request.Requests.Count == 0) errors.Add("requests", "must hold at least one request");
        if (request.Requests.Count > MaxBatchSize) errors.Add("requests", $"holds {request.Requests.Count} requests; at most {MaxBatchSize} are allowed");
        return !errors.Any;
    }

    /// <summary>A Decide request kept with a session, read again (null when it no longer reads, e.g. under stricter limits).</summary>
    public static SessionRequest? ReadStored(byte[] encoded, TimeBounds times)
    {
        try
        {
            return Read(DecideRequest.Parser.ParseFrom(encoded), times, new FieldViolations());
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    /// <summary>The Decide request for the given parts, encoded as a session keeps it.</summary>
    public static byte[] Encode(Principal principal, Role role, RequestContext? context) =>
        new DecideRequest { Principal = principal, Role = role, Context = context ?? new RequestContext() }.ToByteArray();

    /// <summary>
    /// <paramref name="template"/> encoded as a session keeps it, with the role maximum and role chaining the
    /// decision was made under (what STS taught, or what the service's own credentials imply).
    /// </summary>
    public static byte[] Encode(DecideRequest template, int roleMaxSessionSeconds, bool roleChaining)
    {
        var asked = new DecideRequest { Principal = template.Principal, Role = template.Role.Clone(), Context = template.Context.Clone() };
        asked.Role.MaxSessionSeconds = roleMaxSessionSeconds;
        asked.Context.RoleChaining = roleChaining;
        return asked.ToByteArray();
    }
}
