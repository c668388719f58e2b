namespace Aspire.Deployer.Aws;

/// <summary>The few things read out of ARNs, each written once.</summary>
public static class Arn
{
    /// <summary>What follows the last '/': a role's or policy's name, a task's id, <c>family:7</c> of a task definition.</summary>
    /// <param name="arn">An ARN, or a plain name (returned as it is).</param>
    public static string LastSegment(string arn)
    {
        ArgumentNullException.ThrowIfNull(arn);
        return arn[(arn.LastIndexOf('/') + 1)..];
    }

    /// <summary>The last segment, or <paramref name="none"/> for null.</summary>
    /// <param name="arn">An ARN or null.</param>
    /// <param name="none">What null reads as.</param>
    public static string LastSegmentOr(string? arn, string none) => arn is null ? none : LastSegment(arn);

    /// <summary>The region part of an ARN (<c>eu-west-1</c> of <c>arn:aws:acm:eu-west-1:123456789012:certificate/x</c>); null when it has none.</summary>
    /// <param name="arn">An ARN.</param>
    public static string? Region(string arn)
    {
        ArgumentNullException.ThrowIfNull(arn);
        var parts = arn.Split(':');
        return parts.Length > 3 && parts[0] == "arn" && parts[3].Length > 0 ? parts[3] : null;
    }

    /// <summary>The family of a task definition: <c>web</c> of <c>arn:...:task-definition/web:7</c> or of <c>web:7</c>.</summary>
    /// <param name="taskDefinition">An ARN, <c>family:revision</c>, or a family; null gives null.</param>
    public static string? FamilyOf(string? taskDefinition)
    {
        if (taskDefinition is null)
        {
            return null;
        }

        var name = LastSegment(taskDefinition);
        var colon = name.LastIndexOf(':');
        return colon < 0 ? name : name[..colon];
    }
}
