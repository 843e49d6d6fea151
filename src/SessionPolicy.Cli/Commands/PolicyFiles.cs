using SessionPolicy.Core.Policies;

namespace SessionPolicy.Cli.Commands;

/// <summary>Reads policy files for the commands, reporting an unreadable file instead of throwing.</summary>
internal static class PolicyFiles
{
    public static PolicyLoadResult? Load(FileInfo file, TextWriter error, IReadOnlyDictionary<string, int>? roleMaximums = null)
    {
        try
        {
            if (file.Length > PolicyParser.MaxBytes)
            {
                error.WriteLine($"{file.FullName}: larger than {PolicyParser.MaxBytes} bytes");
                return null;
            }
            return PolicyParser.Parse(File.ReadAllBytes(file.FullName), roleMaximums);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{file.FullName}: cannot read: {ex.Message}");
            return null;
        }
    }
}
