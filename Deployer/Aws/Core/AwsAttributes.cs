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

/// <summary>The HTTP binding of a rest-xml operation (Route 53): its method and request URI template.</summary>
/// <param name="method">The HTTP method, e.g. <c>GET</c>.</param>
/// <param name="requestUri">The URI template with <c>{Label}</c> (or greedy <c>{Label+}</c>) placeholders and a fixed query part.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AwsHttpAttribute(string method, string requestUri) : Attribute
{
    /// <summary>The HTTP method.</summary>
    public string Method { get; } = method;

    /// <summary>The request URI template, as the model writes it.</summary>
    public string RequestUri { get; } = requestUri;
}

/// <summary>The root element of a rest-xml request body: its name and XML namespace.</summary>
/// <param name="name">The element name, e.g. <c>ChangeResourceRecordSetsRequest</c>.</param>
/// <param name="xmlNamespace">The namespace URI (empty for none).</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AwsXmlRootAttribute(string name, string xmlNamespace) : Attribute
{
    /// <summary>The element name.</summary>
    public string Name { get; } = name;

    /// <summary>The namespace URI.</summary>
    public string Namespace { get; } = xmlNamespace;
}

/// <summary>Where a rest-xml request member goes instead of the body: a URI label, a query string key or a header.</summary>
/// <param name="location"><c>uri</c>, <c>querystring</c>, <c>header</c> or <c>headers</c>, as the model says.</param>
/// <param name="name">The label, key or header name.</param>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class AwsLocationAttribute(string location, string name) : Attribute
{
    /// <summary>The location.</summary>
    public string Location { get; } = location;

    /// <summary>The label, key or header name.</summary>
    public string Name { get; } = name;
}

/// <summary>The XML element name of a member whose name on the wire differs from the model's member name.</summary>
/// <param name="name">The element name.</param>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class AwsXmlNameAttribute(string name) : Attribute
{
    /// <summary>The element name.</summary>
    public string Name { get; } = name;
}

/// <summary>How a list member is written in XML: the name of each item's element, and whether the items stand
/// directly in the parent (flattened) instead of inside a wrapper element named after the member.</summary>
/// <param name="itemName">The item element name, e.g. <c>Change</c> (the model's <c>member.locationName</c>, else <c>member</c>).</param>
/// <param name="flattened">True for a flattened list.</param>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class AwsXmlListAttribute(string itemName, bool flattened) : Attribute
{
    /// <summary>The item element name.</summary>
    public string ItemName { get; } = itemName;

    /// <summary>True when the items are not wrapped.</summary>
    public bool Flattened { get; } = flattened;
}
