// Two services behind one HTTPS front door: the shop (node-app) on the domain's root and a small API under /api of
// the same host. Deploy with a domain of a Route 53 zone you own:
//   dotnet run --project tests/apphosts/FrontDoor.AppHost -- --operation publish --step aws-deploy --Aws:Domain=shop.example.com
// Put the API on a host of its own instead: --Aws:Services:api:Host=api.example.com (then drop its PathPrefix).
var builder = DistributedApplication.CreateBuilder(args);

builder.AddAwsEcsEnvironment("aws");

builder.AddDockerfile("node-app", "../../../node-app")
    .WithHttpEndpoint(port: 4000, targetPort: 4000, env: "PORT")
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints()
    .PublishAsEcsService();

builder.AddDockerfile("api", "api")
    .WithHttpEndpoint(port: 5000, targetPort: 5000, env: "PORT")
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints()
    .PublishAsEcsService(o => o.PathPrefix = "/api");

builder.Build().Run();
