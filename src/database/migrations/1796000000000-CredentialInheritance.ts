import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Credentials are shared with descendants only when their owner says so (`inherit`), and an
 * organization may restrict the Xelion servers its subtree's orders target (`allowed_server_hosts`);
 * see docs/credentials.md.
 */

export class CredentialInheritance1796000000000 implements MigrationInterface {
    name = 'CredentialInheritance1796000000000';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "credentials" ADD "inherit" boolean NOT NULL DEFAULT false`);
        await queryRunner.query(`ALTER TABLE "organizations" ADD "allowed_server_hosts" text array`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "organizations" DROP COLUMN "allowed_server_hosts"`);
        await queryRunner.query(`ALTER TABLE "credentials" DROP COLUMN "inherit"`);
    }

}
