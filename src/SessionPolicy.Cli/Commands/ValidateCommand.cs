using System.CommandLine;
using SessionPolicy.Core.Policies;

namespace SessionPolicy.Cli.Commands;

/// <summary><c>policyctl validate FILE...</c>: every problem with its location; non-zero exit when any file is refused.</summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var files = new Argument<FileInfo[]>("policy") { Description = "Policy files to check.", Arity = ArgumentArity.OneOrMore };
        var strict = new Option<bool>("--warnings-as-errors") { Description = "Fail on warnings too (choices that fail open: unreachable rules, undeclared environments, people without an idle timeout, ...), for CI." };
        var roles = new Option<FileInfo?>("--role-maximums") { Description = "The output of 'aws iam list-roles' (JSON): warn about profiles longer than a role they match allows (MaxSessionDuration)." };
        var command = new Command("validate", "Check policy files: YAML syntax, the policy schema and the policy's own rules. Prints each problem as FILE:LINE:COLUMN.")
        {
            files, strict, roles,
        };
        command.SetAction(parse =>
        {
            IReadOnlyDictionary<string, int>? maximums = null;
            if (parse.GetValue(roles) is { } rolesFile)
            {
                try
                {
                    maximums = Report.RoleInventory.Maximums(rolesFile.FullName);
                }
                catch (Report.InputFileException ex)
                {
                    error.WriteLine(ex.Message);
                    return PolicyCtl.InputError;
                }
            }
            var exit = 0;
            foreach (var file in parse.GetValue(files)!)
            {
                exit = Math.Max(exit, Validate(file, parse.GetValue(strict), maximums, output, error));
            }
            return exit;
        });
        return command;
    }

    private static int Validate(FileInfo file, bool strict, IReadOnlyDictionary<string, int>? roleMaximums, TextWriter output, TextWriter error)
    {
        if (PolicyFiles.Load(file, error, roleMaximums) is not { } result) return PolicyCtl.InputError;
        foreach (var problem in result.Problems) output.WriteLine($"{file.Name}:{problem}");
        if (!result.IsValid || (strict && result.Warnings.Any()))
        {
            output.WriteLine($"{file.Name}: refused: {result.Errors.Count()} errors, {result.Warnings.Count()} warnings");
            return PolicyCtl.Failed;
        }
        var policy = result.Policy!;
        output.WriteLine($"{file.Name}: ok: version {result.Version}, {policy.Profiles.Count} profiles, {policy.Guardrails.Count} guardrails, {result.Warnings.Count()} warnings");
        return 0;
    }
}
