using System.Diagnostics.CodeAnalysis;

namespace SessionPolicy.Core.Evaluation;

/// <summary>A parsed IAM role ARN: <c>arn:PARTITION:iam::ACCOUNT:role/PATH/NAME</c>.</summary>
public sealed record RoleArn(string Value, string Partition, string Account, string Name)
{
    /// <summary>The role's path and name: everything after <c>:role/</c>.</summary>
    public string PathAndName { get; } = Value[(Value.IndexOf(":role/", StringComparison.Ordinal) + 6)..];

    /// <summary>Longest ARN the service accepts (IAM role names and paths together stay far below it).</summary>
    public const int MaxLength = 2048;

    /// <summary>Parses an IAM role ARN; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out RoleArn? arn, [NotNullWhen(false)] out string? error)
    {
        arn = null;
        if (string.IsNullOrEmpty(value))
        {
            error = "is required";
            return false;
        }
        if (value.Length > MaxLength)
        {
            error = $"is longer than {MaxLength} characters";
            return false;
        }
        // arn:partition:service:region:account:resource; IAM is global, so region is empty.
        var parts = value.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[1].Length == 0)
        {
            error = "is not an ARN (expected arn:aws:iam::ACCOUNT:role/NAME)";
            return false;
        }
        if (parts[2] != "iam" || parts[3].Length != 0)
        {
            error = "is not an IAM ARN (expected arn:aws:iam::ACCOUNT:role/NAME)";
            return false;
        }
        if (!IsAccountId(parts[4]))
        {
            error = "has an account that is not 12 digits";
            return false;
        }
        var resource = parts[5];
        if (!resource.StartsWith("role/", StringComparison.Ordinal) || resource.Length <= 5 || resource.EndsWith('/'))
        {
            error = "is not an IAM role ARN (expected ...:role/NAME)";
            return false;
        }
        var name = resource[(resource.LastIndexOf('/') + 1)..];
        if (name.Length > 64 || !name.All(IsRoleNameChar))
        {
            error = "has a role name that is not 1..64 characters of [\\w+=,.@-]";
            return false;
        }
        arn = new RoleArn(value, parts[1], parts[4], name);
        error = null;
        return true;
    }

    /// <summary>Whether <paramref name="value"/> is a 12-digit AWS account id.</summary>
    public static bool IsAccountId(string value) => value.Length == 12 && value.All(char.IsAsciiDigit);

    private static bool IsRoleNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '=' or ',' or '.' or '@' or '-';
}
