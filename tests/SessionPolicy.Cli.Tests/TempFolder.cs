namespace SessionPolicy.Cli.Tests;

/// <summary>A private folder for a test's files, removed afterwards.</summary>
public abstract class TempFolder : IDisposable
{
    protected DirectoryInfo Folder { get; } = Directory.CreateTempSubdirectory("policyctl-");

    public void Dispose() => Folder.Delete(recursive: true);

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> in the folder and returns its path.</summary>
    protected string Write(string name, string text)
    {
        var path = Path.Combine(Folder.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }
}
