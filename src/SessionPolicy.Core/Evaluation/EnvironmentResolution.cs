namespace SessionPolicy.Core.Evaluation;

/// <summary>How the environment of a request was read against the policy's declared environments.</summary>
public enum EnvironmentResolution : byte
{
    /// <summary>The policy declares no environments: the name is matched as given, without regard to case.</summary>
    AsGiven = 1,
    /// <summary>A declared name or alias.</summary>
    Declared = 2,
    /// <summary>A name the policy does not declare; handled by <c>environments.undeclared</c>.</summary>
    Undeclared = 3,
    /// <summary>No environment given; handled by <c>environments.missing</c> where environments are declared.</summary>
    Missing = 4,
}
