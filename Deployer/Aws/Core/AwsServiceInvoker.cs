using System.Collections.Concurrent;
using System.Reflection;
using Amazon;

namespace Aspire.Deployer.Aws;

/// <summary>Sends typed requests of one service: protocol encoding, signed transport with retries, decoding.</summary>
internal sealed class AwsServiceInvoker(
    AwsService service,
    Uri endpoint,
    RegionEndpoint signingRegion,
    AwsCallSettings settings,
    HttpClient http)
{
    private static readonly ConcurrentDictionary<Type, AwsOperationAttribute> Operations = new();

    public AwsService Service => service;

    public Uri Endpoint => endpoint;

    public static AwsOperationAttribute OperationOf(Type requestType) =>
        Operations.GetOrAdd(requestType, static t => t.GetCustomAttribute<AwsOperationAttribute>()
            ?? throw new InvalidOperationException($"{t.FullName} has no [AwsOperation]."));

    public async Task<TResponse> SendAsync<TResponse>(IAwsRequest<TResponse> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var operation = OperationOf(request.GetType());
        if (operation.Model != service.ModelName)
        {
            throw new InvalidOperationException($"{request.GetType().Name} belongs to '{operation.Model}', not to {service.DisplayName}.");
        }

        var succeeded = false;
        try
        {
            var response = await SendTypedAsync(request, operation, cancellationToken).ConfigureAwait(false);
            succeeded = true;
            return response;
        }
        finally
        {
            AwsCallLog.Record(service, operation.Operation, succeeded);
        }
    }

    private async Task<TResponse> SendTypedAsync<TResponse>(IAwsRequest<TResponse> request, AwsOperationAttribute operation, CancellationToken cancellationToken)
    {
        var target = new AwsCallTarget(service, operation.Operation, endpoint, signingRegion, settings);
        if (service.Protocol == AwsProtocol.Json)
        {
            var wire = AwsJsonProtocol.BuildRequest(service, operation.Operation, request);
            var response = await AwsHttpTransport.SendAsync(http, target, wire, AwsJsonProtocol.ReadError, cancellationToken).ConfigureAwait(false);
            return Decode(target, response, () => AwsJsonProtocol.ReadResponse<TResponse>(response.Body));
        }

        if (service.Protocol == AwsProtocol.Query)
        {
            var wire = AwsQueryProtocol.BuildRequest(service, operation.Operation, request);
            var response = await AwsHttpTransport.SendAsync(http, target, wire, AwsQueryProtocol.ReadError, cancellationToken).ConfigureAwait(false);
            return Decode(target, response, () => AwsQueryProtocol.ReadResponse<TResponse>(operation.Operation, response.Body));
        }

        if (service.Protocol == AwsProtocol.RestXml)
        {
            var wire = AwsRestXmlProtocol.BuildRequest(service, request);
            var response = await AwsHttpTransport.SendAsync(http, target, wire, AwsRestXmlProtocol.ReadError, cancellationToken).ConfigureAwait(false);
            return Decode(target, response, () => AwsRestXmlProtocol.ReadResponse<TResponse>(response.Body));
        }

        throw new NotSupportedException($"{service.DisplayName} uses the {service.Protocol} protocol, which this invoker does not speak.");
    }

    private static TResponse Decode<TResponse>(AwsCallTarget target, AwsWireResponse response, Func<TResponse> decode)
    {
        try
        {
            return decode();
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or System.Xml.XmlException or FormatException or OverflowException or InvalidOperationException)
        {
            throw new AwsApiException(target.Service.DisplayName, target.Operation, "InvalidResponse",
                $"the response could not be read: {ex.Message}", response.Status, response.RequestId, target.Endpoint, innerException: ex);
        }
    }
}
