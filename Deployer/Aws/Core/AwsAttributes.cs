namespace Aspire.Deployer.Aws;

/// <summary>A request record of an AWS operation whose response is <typeparamref name="TResponse"/>.</summary>
/// <typeparam name="TResponse">The operation's response record.</typeparam>
/// <remarks>Every implementation carries an <see cref="AwsOperationAttribute"/>; the model conformance tests find
/// requests through it, so a new operation is checked against the official model without a new test.</remarks>
#pragma warning disable CA1040 // a marker interface: it carries the response type for inference
public interface IAwsRequest<TResponse>;
#pragma warning restore CA1040

/// <summary>Names the AWS service model and operation a request record belongs to.</summary>
/// <param name="model">The botocore model name (e.g. <c>ecs</c>, <c>elbv2</c>), as in <see cref="AwsService.ModelName"/>.</param>
/// <param name="operation">The operation name exactly as the model spells it (e.g. <c>CreateCluster</c>).</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AwsOperationAttribute(string model, string operation) : Attribute
{
    /// <summary>The botocore model name of the service.</summary>
    public string Model { get; } = model;

    /// <summary>The operation name on the wire.</summary>
    public string Operation { get; } = operation;
}

/// <summary>Marks a string member (or a list or map of strings) whose valid values are the constants of <see cref="ValuesType"/>.</summary>
/// <param name="valuesType">A static class of <c>const string</c> values taken from the model's enum.</param>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class AwsEnumAttribute(Type valuesType) : Attribute
{
    /// <summary>The static class holding the valid values.</summary>
    public Type ValuesType { get; } = valuesType;
}
