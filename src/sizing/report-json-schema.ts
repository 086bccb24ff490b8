import { z } from 'zod';
import { SizeReport } from './report-schema.js';

/** The published JSON Schema of the size report (docs/schema/size-report.json), from the zod source. */
export function sizeReportJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(SizeReport, { target: 'draft-2020-12' }),
    $id: 'https://capacity.dev/schema/size-report.json',
    title: 'capacity size report',
    description: 'Output of `capacity size --format json`. Generated from src/sizing/report-schema.ts; do not edit by hand (node bin/capacity size --print-schema > docs/schema/size-report.json).',
  };
}
