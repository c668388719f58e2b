// The one application model: run locally with `dotnet run --project AppHost`.
var builder = DistributedApplication.CreateBuilder(args);

// Where `aspire deploy` (or `--operation publish --step deploy`) puts the app: ECS on Fargate behind an ALB.
builder.AddAwsEcsEnvironment("aws");

builder.AddNodeApp("node-app", "../node-app", "src/server.js")
    .WithHttpEndpoint(port: 4000, env: "PORT", isProxied: false)
    .WithExternalHttpEndpoints()
    .WithServiceDefaults()
    .PublishAsDockerFile()
    .PublishAsEcsService();

builder.Build().Run();
