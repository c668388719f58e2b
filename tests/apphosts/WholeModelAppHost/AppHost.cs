// A whole model, as the Deployer's tests deploy it (tests/Deployer.Tests/Hosting/WholeModelTests.cs): a public front
// end (node-app) that calls an internal API (a second Dockerfile service with no external endpoint), a plain and a
// secret parameter, and a Redis container the API uses. Deploy it with
//   dotnet run --project tests/apphosts/WholeModelAppHost -- --operation publish --step deploy
// after setting the parameters (Parameters__greeting, Parameters__api-key, or --Parameters:greeting=...).
var builder = DistributedApplication.CreateBuilder(args);

builder.AddAwsEcsEnvironment("aws");

var greeting = builder.AddParameter("greeting");
var apiKey = builder.AddParameter("api-key", secret: true);
var cache = builder.AddRedis("cache");

var api = builder.AddDockerfile("api", "api")
    .WithHttpEndpoint(targetPort: 8080, env: "PORT")
    .WithHttpProbe(ProbeType.Readiness, "/health")
    .WithEnvironment("GREETING", greeting)
    .WithEnvironment("API_KEY", apiKey)
    .WithReference(cache)
    .PublishAsEcsService();

builder.AddNodeApp("web", "../../../node-app", "src/server.js")
    .WithHttpEndpoint(port: 4000, env: "PORT", isProxied: false)
    .WithExternalHttpEndpoints()
    .WithServiceDefaults()
    .WithEnvironment("GREETING", greeting)
    .WithReference(api.GetEndpoint("http"))
    .PublishAsDockerFile()
    .PublishAsEcsService();

builder.Build().Run();
