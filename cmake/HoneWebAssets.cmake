# hone_web_assets(WEB_DIR): makes sure the npm packages the dashboard embeds (uPlot, pinned by
# WEB_DIR/package-lock.json) are in WEB_DIR/node_modules. A fresh clone has none: when npm is on
# the PATH this runs `npm ci` itself; otherwise it stops and names the command that installs them.
function(hone_web_assets web_dir)
  set(marker ${web_dir}/node_modules/uplot/dist/uPlot.iife.min.js)
  if(EXISTS ${marker})
    return()
  endif()
  set(command npm ci --prefix ${web_dir} --no-audit --no-fund)
  string(REPLACE ";" " " shown "${command}")
  find_program(NPM_PROGRAM npm)
  if(NOT NPM_PROGRAM)
    message(FATAL_ERROR "The dashboard's web assets (uPlot, from npm) are missing and npm is not "
                        "installed. Run scripts/setup, or: apt-get install npm && ${shown}")
  endif()
  message(STATUS "Fetching the dashboard's web assets: ${shown}")
  execute_process(COMMAND ${NPM_PROGRAM} ci --prefix ${web_dir} --no-audit --no-fund
                  RESULT_VARIABLE status)
  if(NOT status EQUAL 0 OR NOT EXISTS ${marker})
    message(FATAL_ERROR "`${shown}` failed (${status}); run it by hand to see why, then configure again")
  endif()
endfunction()
