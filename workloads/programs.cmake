# Guest race programs: one static binary per race, all on dt_workload.
# Included from workloads/CMakeLists.txt (not a subdirectory: keeps the
# programs' names and output dir exactly as dt_guest_program sets them).
set(DT_WORKLOAD_PROGRAMS
  fault-vs-truncate
  fault-vs-layout
  partial-block
  pmd-vs-pte
  write-vs-fault
  pin-vs-truncate
  map-sync
  reflink
  mixed
  poison)
foreach(prog IN LISTS DT_WORKLOAD_PROGRAMS)
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/${prog}.cpp)
    dt_guest_program(dt-${prog} ${CMAKE_CURRENT_LIST_DIR}/${prog}.cpp)
    target_link_libraries(dt-${prog} PRIVATE dt_workload)
  endif()
endforeach()
