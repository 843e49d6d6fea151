using System.CommandLine;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Ssm;

namespace SessionPolicy.Cli.Commands;

/// <summary>
/// <c>policyctl ssm-preferences POLICY --environment E</c>: the Session Manager preferences document
/// (<c>SSM-SessionManagerRunShell</c>) the policy implies for people in that environment, with the logging inputs given,
/// ready for <c>aws ssm update-document --content file://...</c>. Values SSM would refuse are refused here.
/// </summary>
internal static class SsmPreferencesCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var policy = new Argument<FileInfo>("policy") { Description = "The policy file." };
        var environment = new Option<string>("--environment", "-e") { Description = "The environment (one the policy declares, or an alias of one).", Required = true };
        var bucket = new Option<string>("--s3-bucket") { Description = "s3BucketName: the bucket session logs go to." };
        var prefix = new Option<string>("--s3-key-prefix") { Description = "s3KeyPrefix." };
        var noS3Encryption = new Option<bool>("--no-s3-encryption") { Description = "s3EncryptionEnabled false (default true)." };
        var logGroup = new Option<string>("--cloudwatch-log-group") { Description = "cloudWatchLogGroupName: the CloudWatch Logs group session logs go to." };
        var noCloudWatchEncryption = new Option<bool>("--no-cloudwatch-encryption") { Description = "cloudWatchEncryptionEnabled false (default true)." };
        var kms = new Option<string>("--kms-key-id") { Description = "kmsKeyId: the KMS key that encrypts session data." };
        var command = new Command("ssm-preferences", "Print the Session Manager preferences document (SSM-SessionManagerRunShell) the policy implies for an environment: idle and maximum minutes from its human profiles, with the logging inputs given.")
        {
            policy, environment, bucket, prefix, noS3Encryption, logGroup, noCloudWatchEncryption, kms,
        };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(policy)!;
            if (PolicyFiles.Load(file, error) is not { } loaded) return PolicyCtl.InputError;
            if (loaded.Policy is null)
            {
                foreach (var e in loaded.Errors) error.WriteLine($"{file.Name}:{e}");
                error.WriteLine($"{file.Name}: refused; no preferences printed");
                return PolicyCtl.InputError;
            }
            var name = parse.GetValue(environment)!;
            var table = loaded.Policy.Environments;
            if (table.IsDeclared && table.Find(name) is null)
            {
                error.WriteLine($"--environment {name}: the policy declares {string.Join(", ", table.Declared.Select(d => d.Name))}");
                return PolicyCtl.InputError;
            }
            var logging = new SsmLogging
            {
                S3BucketName = parse.GetValue(bucket) ?? "", S3KeyPrefix = parse.GetValue(prefix) ?? "", S3EncryptionEnabled = !parse.GetValue(noS3Encryption),
                CloudWatchLogGroupName = parse.GetValue(logGroup) ?? "", CloudWatchEncryptionEnabled = !parse.GetValue(noCloudWatchEncryption),
                KmsKeyId = parse.GetValue(kms) ?? "",
            };
            if (logging.Problems() is { Count: > 0 } problems)
            {
                foreach (var p in problems) error.WriteLine(p);
                return PolicyCtl.InputError;
            }
            var limits = SsmPreferences.Limits(new PolicyEngine(loaded.Policy, loaded.Version), table.Find(name) ?? name);
            output.WriteLine(SsmPreferences.Render(limits, logging));
            error.WriteLine($"{limits.Environment}: idle {limits.IdleMinutes} min, maximum {limits.MaxMinutes} min (profiles {string.Join(", ", limits.Profiles)}; policy {loaded.Version})");
            return 0;
        });
        return command;
    }
}
