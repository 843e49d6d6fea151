namespace SessionPolicy.Cli.Report;

/// <summary>An input file the report cannot use: which file, which record in it, and what is wrong, for one clear error line.</summary>
internal sealed class InputFileException(string file, string record, string problem) : Exception($"{file}: {record}: {problem}")
{
    public string File { get; } = file;
    public string Record { get; } = record;
    public string Problem { get; } = problem;
}
