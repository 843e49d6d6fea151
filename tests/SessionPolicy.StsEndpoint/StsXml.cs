using System.Globalization;
using System.Xml.Linq;

namespace SessionPolicy.StsEndpoint;

/// <summary>The Query API's XML answers, in the STS 2011-06-15 namespace.</summary>
public static class StsXml
{
    private static readonly XNamespace Ns = "https://sts.amazonaws.com/doc/2011-06-15/";

    public static string AssumeRole(AssumeRoleCall call, string accessKeyId, string secretAccessKey, string sessionToken, DateTimeOffset expiration, int packedPercent, string requestId)
    {
        var parts = call.RoleArn.Split(':');
        var roleName = parts[5][(parts[5].LastIndexOf('/') + 1)..];
        var result = new XElement(Ns + "AssumeRoleResult",
            new XElement(Ns + "AssumedRoleUser",
                new XElement(Ns + "Arn", $"arn:aws:sts::{parts[4]}:assumed-role/{roleName}/{call.RoleSessionName}"),
                new XElement(Ns + "AssumedRoleId", $"AROA{Math.Abs(call.RoleArn.GetHashCode(StringComparison.Ordinal)):D16}:{call.RoleSessionName}")),
            new XElement(Ns + "Credentials",
                new XElement(Ns + "AccessKeyId", accessKeyId),
                new XElement(Ns + "SecretAccessKey", secretAccessKey),
                new XElement(Ns + "SessionToken", sessionToken),
                new XElement(Ns + "Expiration", expiration.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))));
        if (call.Policy is not null || call.PolicyArns.Count > 0 || call.Tags.Count > 0) result.Add(new XElement(Ns + "PackedPolicySize", packedPercent));
        if (call.SourceIdentity is not null) result.Add(new XElement(Ns + "SourceIdentity", call.SourceIdentity));
        return Document("AssumeRoleResponse", result, requestId);
    }

    public static string GetCallerIdentity(StsCaller caller, string requestId) =>
        Document("GetCallerIdentityResponse", new XElement(Ns + "GetCallerIdentityResult",
            new XElement(Ns + "Arn", caller.Arn),
            new XElement(Ns + "UserId", caller.AccessKeyId),
            new XElement(Ns + "Account", caller.Account)), requestId);

    public static string Error(StsError error, string requestId) =>
        new XDocument(new XElement(Ns + "ErrorResponse",
            new XElement(Ns + "Error",
                new XElement(Ns + "Type", error.Type),
                new XElement(Ns + "Code", error.Code),
                new XElement(Ns + "Message", error.Message)),
            new XElement(Ns + "RequestId", requestId))).ToString(SaveOptions.DisableFormatting);

    private static string Document(string root, XElement result, string requestId) =>
        new XDocument(new XElement(Ns + root, result,
            new XElement(Ns + "ResponseMetadata", new XElement(Ns + "RequestId", requestId)))).ToString(SaveOptions.DisableFormatting);
}
